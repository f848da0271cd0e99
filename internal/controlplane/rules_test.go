package controlplane_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// TestRuleDomains breaks the rules' domain_names one way at a time and
// asserts which findings fail, and that each failure names the hostname and
// the fix.
func TestRuleDomains(t *testing.T) {
	t.Parallel()
	host := func(d tfoutputs.Deployment, i int) string { return d.Brokers[i].Hostname }
	const boot = "boot-abc.mskvpce-demo.x1y2z3.c2.kafka.us-east-1.amazonaws.com"
	tests := []struct {
		name   string
		change func(d *tfoutputs.Deployment)
		// fail maps each failing finding's target to words its detail and
		// next step must carry; every other finding must pass.
		fail map[string][]string
		// pass: further findings (bootstrap names) that must pass.
		pass []string
	}{
		{name: "as the module creates them"},
		{
			name: "case and a trailing dot are DNS-equal (and the bootstrap string's :9098)",
			change: func(d *tfoutputs.Deployment) {
				d.Databricks.Rules[0].DomainNames = []string{strings.ToUpper(host(*d, 0)) + "."}
			},
		},
		{
			name:   "a hostname in no rule",
			change: func(d *tfoutputs.Deployment) { d.Databricks.Rules[1].DomainNames = nil },
			fail:   map[string][]string{"broker 2": {host(awsfake.Sample(), 1), "in no rule", "re-apply", "vpce-svc-000000000000000e7"}},
		},
		{
			name: "a hostname in two rules",
			change: func(d *tfoutputs.Deployment) {
				d.Databricks.Rules[2].DomainNames = append(d.Databricks.Rules[2].DomainNames, host(*d, 0))
			},
			fail: map[string][]string{"broker 1": {host(awsfake.Sample(), 0), "in 2 rules", "0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000003", "keep", "only in the rule for com.amazonaws.vpce.us-east-1.vpce-svc-000000000000000e6"}},
		},
		{
			name: "two hostnames swapped between rules: each on the other broker's path",
			change: func(d *tfoutputs.Deployment) {
				r := d.Databricks.Rules
				r[0].DomainNames, r[1].DomainNames = r[1].DomainNames, r[0].DomainNames
			},
			fail: map[string][]string{
				"broker 1": {host(awsfake.Sample(), 0), "broker 2's", "wrong NLB", "move"},
				"broker 2": {host(awsfake.Sample(), 1), "broker 1's", "wrong NLB", "move"},
			},
		},
		{
			name: "a rule on a service no broker has",
			change: func(d *tfoutputs.Deployment) {
				d.Databricks.Rules[2].EndpointService = "com.amazonaws.vpce.us-east-1.vpce-svc-0ffffffffffffffff"
			},
			fail: map[string][]string{"broker 3": {"no broker's service", "vpce-svc-0ffffffffffffffff"}},
		},
		{
			name: "an Express boot- bootstrap name in one broker's rule",
			change: func(d *tfoutputs.Deployment) {
				d.BootstrapBrokersSASLIAM = "boot-abc.mskvpce-demo.x1y2z3.c2.kafka.us-east-1.amazonaws.com:9098"
				d.Databricks.Rules[1].DomainNames = append(d.Databricks.Rules[1].DomainNames, "BOOT-ABC.mskvpce-demo.x1y2z3.c2.kafka.us-east-1.amazonaws.com")
			},
			pass: []string{"bootstrap " + boot},
		},
		{
			name: "an Express boot- bootstrap name in no rule",
			change: func(d *tfoutputs.Deployment) {
				d.BootstrapBrokersSASLIAM = "boot-abc.mskvpce-demo.x1y2z3.c2.kafka.us-east-1.amazonaws.com:9098," + d.BootstrapBrokersSASLIAM
			},
			fail: map[string][]string{"bootstrap " + boot: {"no broker's hostname", "in no rule", "re-apply", "exactly one broker's rule"}},
		},
		{
			name: "an Express boot- bootstrap name in two rules",
			change: func(d *tfoutputs.Deployment) {
				d.BootstrapBrokersSASLIAM = boot + ":9098"
				d.Databricks.Rules[0].DomainNames = append(d.Databricks.Rules[0].DomainNames, boot)
				d.Databricks.Rules[2].DomainNames = append(d.Databricks.Rules[2].DomainNames, boot)
			},
			fail: map[string][]string{"bootstrap " + boot: {"in 2 rules", "0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000003", "one broker's rule only"}},
		},
		{
			name: "an Express boot- bootstrap name in a rule on no broker's service",
			change: func(d *tfoutputs.Deployment) {
				d.BootstrapBrokersSASLIAM = boot + ":9098"
				d.Databricks.Rules = append(d.Databricks.Rules, tfoutputs.DatabricksRule{BrokerID: 9, RuleID: "stray", EndpointService: "com.amazonaws.vpce.us-east-1.vpce-svc-0ffffffffffffffff", DomainNames: []string{boot}})
			},
			fail: map[string][]string{"bootstrap " + boot: {"rule stray", "no broker's", "vpce-svc-0ffffffffffffffff"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := awsfake.Sample()
			if tt.change != nil {
				tt.change(&d)
			}
			got := controlplane.RuleDomains(d)
			wantN := len(d.Brokers) + len(tt.pass)
			for target := range tt.fail {
				if strings.HasPrefix(target, "bootstrap ") {
					wantN++
				}
			}
			for _, target := range tt.pass {
				if !slices.ContainsFunc(got, func(f finding.Finding) bool { return f.Target == target && f.OK }) {
					t.Errorf("no passing finding for %s: %s", target, dump(got))
				}
			}
			if len(got) != wantN {
				t.Fatalf("got %d findings, want %d: %s", len(got), wantN, dump(got))
			}
			for _, f := range got {
				if f.Check != controlplane.CheckRuleDomains {
					t.Errorf("finding %s has check %q", key(f), f.Check)
				}
				words, shouldFail := tt.fail[f.Target]
				if f.OK == shouldFail || f.Skipped {
					t.Errorf("%s: ok=%v skipped=%v, want ok=%v: %s / %s", key(f), f.OK, f.Skipped, !shouldFail, f.Detail, f.NextStep)
					continue
				}
				text := f.Detail + " / " + f.NextStep
				for _, w := range words {
					if !strings.Contains(text, w) {
						t.Errorf("%s should say %q: %s", key(f), w, text)
					}
				}
			}
		})
	}
}

func TestRuleDomainsWithoutRules(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	d.Databricks = nil
	if got := controlplane.RuleDomains(d); len(got) != 0 {
		t.Errorf("without the Databricks half there is nothing to check, got %s", dump(got))
	}

	// Outputs written before the rules carried their domain names: one
	// skipped finding that says to re-apply, not a failure per broker.
	d = awsfake.Sample()
	for i := range d.Databricks.Rules {
		d.Databricks.Rules[i].EndpointService, d.Databricks.Rules[i].DomainNames = "", nil
	}
	got := controlplane.RuleDomains(d)
	if len(got) != 1 || !got[0].Skipped || !strings.Contains(got[0].NextStep, "re-apply") {
		t.Errorf("stale outputs: want one skipped finding saying re-apply, got %s", dump(got))
	}
}

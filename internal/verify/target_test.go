package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	const adv = "b-12.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
	cases := []struct {
		in      string
		want    verify.Path
		wantErr string
	}{
		{in: adv + "=nlb-12-abc.elb.eu-west-1.amazonaws.com:9098", want: verify.Path{BrokerID: 12, Advertised: adv, Endpoint: "nlb-12-abc.elb.eu-west-1.amazonaws.com:9098"}},
		{in: " " + adv + " = 10.0.2.15:9098 ", want: verify.Path{BrokerID: 12, Advertised: adv, Endpoint: "10.0.2.15:9098"}},
		{in: adv, wantErr: "want advertised-host:port=endpoint-host:port"},
		{in: adv + "=", wantErr: "want advertised-host:port=endpoint-host:port"},
		{in: "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com=nlb:9098", wantErr: "advertised address"},
		{in: adv + "=nlb", wantErr: "endpoint address \"nlb\" is not host:port"},
		{in: "b-x.demo:9098=nlb:9098", wantErr: "not an MSK broker hostname"},
		{in: "b-0.demo:9098=nlb:9098", wantErr: "not an MSK broker hostname"},
		{in: "kafka.demo:9098=nlb:9098", wantErr: "not an MSK broker hostname"},
	}
	for _, tc := range cases {
		got, err := verify.ParseEndpoint(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseEndpoint(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseEndpoint(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestTargetFromDeployment(t *testing.T) {
	t.Parallel()
	d := tfoutputs.Deployment{
		Region:                  "eu-west-1",
		ClusterARN:              "arn:aws:kafka:eu-west-1:111122223333:cluster/demo/uuid-1",
		BootstrapBrokersSASLIAM: "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098, b-2.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098",
		Brokers: []tfoutputs.Broker{
			{ID: 1, Hostname: "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com", NLBDNSName: "nlb-1.elb.eu-west-1.amazonaws.com"},
			{ID: 2, Hostname: "b-2.demo.abc123.c2.kafka.eu-west-1.amazonaws.com", NLBDNSName: "nlb-2.elb.eu-west-1.amazonaws.com"},
		},
	}
	tg := verify.TargetFromDeployment(d)
	want := []verify.Path{
		{BrokerID: 1, Advertised: "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098", Endpoint: "nlb-1.elb.eu-west-1.amazonaws.com:9098"},
		{BrokerID: 2, Advertised: "b-2.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098", Endpoint: "nlb-2.elb.eu-west-1.amazonaws.com:9098"},
	}
	if tg.Region != "eu-west-1" || tg.ClusterARN != d.ClusterARN || len(tg.Bootstrap) != 2 || len(tg.Paths) != 2 || tg.Paths[0] != want[0] || tg.Paths[1] != want[1] {
		t.Errorf("TargetFromDeployment = %+v", tg)
	}
	if err := tg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	tg.Paths = append(tg.Paths, tg.Paths[0])
	tg.Region = ""
	if err := tg.Validate(); err == nil || !strings.Contains(err.Error(), "broker 1 is mapped twice") || !strings.Contains(err.Error(), "region is empty") {
		t.Errorf("Validate of a bad target: %v", err)
	}
}

// An Express cluster bootstraps from boot-… hosts that are no broker's: the
// outputs give each to one broker's domain_names, and the target routes it
// to that broker's path (Aliases), so the bootstrap is not refused.
func TestTargetFromExpressDeployment(t *testing.T) {
	t.Parallel()
	const domain = "demo.abc123.c2.kafka.eu-west-1.amazonaws.com"
	d := tfoutputs.Deployment{
		Region:                  "eu-west-1",
		ClusterARN:              "arn:aws:kafka:eu-west-1:111122223333:cluster/demo/uuid-1",
		BootstrapBrokersSASLIAM: "boot-aa1." + domain + ":9098,boot-mm5." + domain + ":9098",
		Brokers: []tfoutputs.Broker{
			{ID: 1, Hostname: "b-1." + domain, NLBDNSName: "nlb-1.elb.eu-west-1.amazonaws.com", DomainNames: []string{"b-1." + domain, "boot-aa1." + domain}},
			{ID: 2, Hostname: "b-2." + domain, NLBDNSName: "nlb-2.elb.eu-west-1.amazonaws.com", DomainNames: []string{"b-2." + domain, "BOOT-MM5." + domain}},
			{ID: 3, Hostname: "b-3." + domain, NLBDNSName: "nlb-3.elb.eu-west-1.amazonaws.com"},
		},
	}
	tg := verify.TargetFromDeployment(d)
	want := map[string]int{"boot-aa1." + domain: 1, "boot-mm5." + domain: 2}
	if len(tg.Aliases) != len(want) || tg.Aliases["boot-aa1."+domain] != 1 || tg.Aliases["boot-mm5."+domain] != 2 {
		t.Errorf("Aliases = %v, want %v", tg.Aliases, want)
	}
	if err := tg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if got := verify.TargetFromDeployment(tfoutputs.Deployment{Region: "eu-west-1", Brokers: d.Brokers[2:]}).Aliases; got != nil {
		t.Errorf("a Standard deployment's Aliases = %v, want none", got)
	}
}

// TestRunDNSFailure: an NLB name that does not resolve fails at dns.
func TestRunDNSFailure(t *testing.T) {
	t.Parallel()
	_, tg := startEnv(t)
	tg.Paths[1].Endpoint = "nlb-2.invalid:9098"
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 10 * time.Second, StageTimeout: 3 * time.Second})
	f, failed := rep.Paths[1].Failed()
	if !failed || f.Check != verify.StageDNS || !strings.Contains(f.Detail, "NLB 2 (nlb-2.invalid") || f.NextStep == "" {
		t.Fatalf("want a dns failure naming NLB 2, got %+v", f)
	}
	if !rep.Paths[0].Passed || !rep.Paths[2].Passed || rep.ExitCode() != 1 {
		t.Errorf("other paths should pass and the run fail: %+v", rep)
	}
}

// Aliases are names beyond the brokers' own that the consumer's DNS sends
// to a mapped broker (an Express cluster's boot-... hosts).
func TestTargetAliases(t *testing.T) {
	t.Parallel()
	const domain = "demo.abc123.c2.kafka.eu-west-1.amazonaws.com"
	base := func() verify.Target {
		return verify.Target{Region: "eu-west-1", Paths: []verify.Path{
			{BrokerID: 1, Advertised: "b-1." + domain + ":9098", Endpoint: "nlb-1:9098"},
			{BrokerID: 2, Advertised: "b-2." + domain + ":9098", Endpoint: "nlb-2:9098"},
		}}
	}
	cases := []struct {
		name    string
		aliases map[string]int
		wantErr string
	}{
		{name: "boot hosts", aliases: map[string]int{"boot-aa1." + domain: 1, "boot-mm5." + domain: 2}},
		{name: "with a port", aliases: map[string]int{"boot-aa1." + domain + ":9098": 1}, wantErr: "is not a hostname without port"},
		{name: "empty", aliases: map[string]int{"": 1}, wantErr: "is not a hostname without port"},
		{name: "spaces", aliases: map[string]int{"boot aa1": 1}, wantErr: "is not a hostname without port"},
		{name: "another broker's hostname", aliases: map[string]int{"B-2." + domain: 1}, wantErr: "is broker 2's own hostname"},
		{name: "a broker without a path", aliases: map[string]int{"boot-aa1." + domain: 3}, wantErr: "names broker 3, which has no path"},
	}
	for _, tc := range cases {
		tg := base()
		tg.Aliases = tc.aliases
		err := tg.Validate()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

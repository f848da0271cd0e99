package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/databricksfake"
	"github.com/mskvpce/mskvpce/internal/deploy"
)

// existingCluster serves an ACTIVE provisioned cluster with IAM on (the
// sample deployment's brokers, subnets and VPC) to deploy's AWS calls.
func existingCluster(t *testing.T, h *harness, edit func(*awsfake.State)) string {
	t.Helper()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	st.LoadBalancers, st.TargetGroups, st.EndpointServices, st.Roles = nil, nil, nil, nil
	if edit != nil {
		edit(st)
	}
	h.aws.Close()
	h.aws = awsfake.Start(st)
	t.Cleanup(h.aws.Close)
	return d.ClusterARN
}

func existingInputs(arn string) []string {
	return []string{"--region", "us-east-1", "--prefix", "orders-dbx", "--owner", "ops@example.com", "--cluster-arn", arn}
}

// deploy plan --cluster-arn discovers the cluster through the AWS API and
// prints it (VPC, zones, brokers, auth modes, Kafka version, broker type)
// before the plan, which runs the existing-cluster root; deployment.json
// records that root and the cluster, so later commands keep them.
func TestPlanExistingClusterDiscovers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	arn := existingCluster(t, h, nil)
	r := h.must(append([]string{"plan"}, existingInputs(arn)...)...)
	d := awsfake.Sample()
	for _, want := range []string{
		"Existing cluster " + arn, "provisioned, Standard brokers", "State:           ACTIVE", "Kafka version:   3.6.0",
		"Broker type:     kafka.m5.large", "Authentication:  IAM", "VPC:             " + d.VPCID,
		"us-east-1a (use1-az1, " + d.Brokers[0].ClientSubnetID + ")", "us-east-1c (use1-az3",
		"broker 2   " + d.Brokers[1].Hostname + "  " + d.Brokers[1].ClientIP, "It can be fronted: one NLB and endpoint service per broker (3)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if i, j := strings.Index(r.stdout, "Existing cluster"), strings.Index(r.stdout, "Saved plan"); i < 0 || j < i {
		t.Errorf("the discovery must come before the plan:\n%s", r.stdout)
	}
	wd := filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "orders-dbx")
	b, err := os.ReadFile(filepath.Join(wd, deploy.SettingsName))
	if err != nil {
		t.Fatal(err)
	}
	s, err := deploy.ParseSettings(b)
	if err != nil || s.RootModule() != deploy.RootExisting || s.ClusterARN != arn {
		t.Fatalf("deployment.json %s: %+v, %v", b, s, err)
	}
	if _, err := os.Stat(filepath.Join(wd, "hcl", "examples", "existing-cluster", "main.tf")); err != nil {
		t.Errorf("the existing-cluster root was not laid: %v", err)
	}
	// A later command without --cluster-arn keeps the root and the cluster.
	r = h.must("plan", "--name", "orders-dbx", "--output", "json")
	var doc struct {
		Cluster struct {
			ARN     string `json:"cluster_arn"`
			VPCID   string `json:"vpc_id"`
			Brokers []struct {
				ID     int    `json:"broker_id"`
				ZoneID string `json:"availability_zone_id"`
			} `json:"brokers"`
			AuthModes []string `json:"auth_modes"`
		} `json:"cluster"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("plan --output json: %v\n%s", err, r.stdout)
	}
	if doc.Cluster.ARN != arn || doc.Cluster.VPCID != d.VPCID || len(doc.Cluster.Brokers) != 3 || doc.Cluster.Brokers[2].ZoneID != "use1-az3" || len(doc.Cluster.AuthModes) != 1 {
		t.Errorf("plan --output json cluster: %+v", doc.Cluster)
	}
	r = h.must("status", "--name", "orders-dbx")
	if !strings.Contains(r.stdout, filepath.Join("examples", "existing-cluster")) {
		t.Errorf("status names another root:\n%s", r.stdout)
	}
}

// Every refusal is said before anything is written (no deployment exists
// after it), exit 2, naming what is wrong and the fix.
func TestPlanExistingClusterRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*awsfake.State)
		args func(arn string) []string
		want []string
	}{
		{name: "IAM authentication off", edit: func(s *awsfake.State) { s.Cluster.IAMAuth = false; s.Cluster.BootstrapBrokersSASLIAM = "" },
			want: []string{"IAM authentication is not enabled", "9098", "update-security", "Sasl={Iam={Enabled=true}}"}},
		{name: "MSK Serverless", edit: func(s *awsfake.State) { s.Cluster.Serverless = true; s.Nodes = nil },
			want: []string{"MSK Serverless", "no per-broker addresses", "use its own private connectivity", "provisioned clusters"}},
		{name: "not ACTIVE", edit: func(s *awsfake.State) { s.Cluster.State = "UPDATING" },
			want: []string{"UPDATING, not ACTIVE", "wait until it is ACTIVE"}},
		{name: "brokers in two VPCs", edit: func(s *awsfake.State) { s.Subnets[2].VPCID = "vpc-0other" },
			want: []string{"in 2 VPCs", "vpc-0other", "all in one VPC"}},
		{name: "a subnet without room for an NLB", edit: func(s *awsfake.State) { s.Subnets[1].FreeIPs = 3 },
			want: []string{"has 3 free IP addresses", "at least 8", "free addresses in"}},
		{name: "another region", args: func(arn string) []string {
			return append(existingInputs(arn), "--region", "eu-west-1", "--allowed-principal", "arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1")
		}, want: []string{"the cluster is in us-east-1", "--region) is eu-west-1", "pass --region us-east-1"}},
		{name: "a stale ARN", args: func(arn string) []string {
			return existingInputs(strings.Replace(arn, "mskvpce-demo/", "mskvpce-demo/00000000-", 1))
		}, want: []string{"MSK has no cluster", "list-clusters-v2", "--cluster-name-filter mskvpce-demo"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			arn := existingCluster(t, h, tc.edit)
			args := existingInputs(arn)
			if tc.args != nil {
				args = tc.args(arn)
			}
			r := h.run(append([]string{"plan"}, args...)...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range append(tc.want, "Nothing was planned or changed") {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "orders-dbx")); err == nil {
				t.Errorf("a refused plan wrote the deployment's working directory")
			}
			for _, c := range h.aws.Calls() {
				if !strings.Contains(c, ":Describe") && !strings.Contains(c, ":List") && !strings.Contains(c, ":Get") {
					t.Errorf("a refused plan called %s", c)
				}
			}
		})
	}
}

// A deployment keeps its root: --cluster-arn on a greenfield deployment,
// greenfield inputs on an existing-cluster one, or another cluster's ARN
// are refused (exit 2) naming the fix.
func TestExistingClusterRootIsKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	arn := existingCluster(t, h, nil)

	r := h.run(append(append([]string{"plan"}, existingInputs(arn)...), "--cidr-block", "172.18.0.0/16")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--cidr-block is for a deployment that creates its cluster") || !strings.Contains(r.stderr, "drop --cidr-block") {
		t.Errorf("--cidr-block with --cluster-arn: exit %d\n%s", r.code, r.stderr)
	}

	h.must(append([]string{"plan"}, fixtureInputs...)...) // greenfield test-dep
	r = h.run("plan", "--name", "test-dep", "--cluster-arn", arn)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "deployment test-dep creates its own MSK cluster") || !strings.Contains(r.stderr, "its own --name") {
		t.Errorf("--cluster-arn on a greenfield deployment: exit %d\n%s", r.code, r.stderr)
	}

	h.must(append([]string{"plan"}, existingInputs(arn)...)...)
	r = h.run("plan", "--name", "orders-dbx", "--broker-count", "6")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--broker-count is for a deployment that creates its cluster; deployment orders-dbx fronts the existing cluster "+arn) {
		t.Errorf("--broker-count on an existing-cluster deployment: exit %d\n%s", r.code, r.stderr)
	}
	other := strings.Replace(arn, "mskvpce-demo", "other", 1)
	r = h.run("plan", "--name", "orders-dbx", "--cluster-arn", other)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "names another cluster ("+other+")") {
		t.Errorf("another cluster's ARN: exit %d\n%s", r.code, r.stderr)
	}
	r = h.run("plan", "--name", "orders-dbx", "--cluster-arn", "orders")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--cluster-arn: \"orders\" is not an MSK cluster ARN") {
		t.Errorf("a malformed ARN: exit %d\n%s", r.code, r.stderr)
	}
}

// rulesIn makes n rules in ncc, each carrying one made-up hostname.
func rulesIn(ncc string, n int, host func(i int) string) []databricksfake.Rule {
	var out []databricksfake.Rule
	for i := range n {
		out = append(out, databricksfake.Rule{ID: fmt.Sprintf("%s-r%d", ncc, i), NCC: ncc,
			EndpointService: fmt.Sprintf("com.amazonaws.vpce.us-east-1.vpce-svc-%s%d", ncc, i), DomainNames: []string{host(i)}})
	}
	return out
}

// Databricks' account limits are counted through the account API (every
// NCC of the region, paged) before anything is written: 28 endpoints in the
// region + 3 brokers is refused naming 30, 27 + 3 is planned; re-planning
// a deployment whose NCC already has its brokers' rules adds none; an 11th
// NCC is refused unless --databricks-ncc-id names one.
func TestExistingClusterDatabricksLimits(t *testing.T) {
	t.Parallel()
	other := func(i int) string { return fmt.Sprintf("kafka-%d.other.example.com", i) }
	d := awsfake.Sample()
	ours := func(i int) string { return d.Brokers[i].Hostname }
	cases := []struct {
		name    string
		rules   []databricksfake.Rule
		nccs    [][3]string // id, name, region
		args    []string
		refused []string // stderr, exit 2; empty: planned
		usage   string   // the stdout line
	}{
		{name: "28 in the region + 3 brokers",
			rules: append(append(rulesIn("ncc-a", 20, other), rulesIn("ncc-b", 8, other)...), rulesIn("ncc-eu", 5, other)...),
			nccs:  [][3]string{{"ncc-a", "a", "us-east-1"}, {"ncc-b", "b", "us-east-1"}, {"ncc-eu", "eu", "eu-west-1"}},
			refused: []string{"Databricks allows 30 private endpoints per region across all NCCs", "has 28 in us-east-1 (ncc-a: 20, ncc-b: 8)",
				"adds 3 (one per broker without a rule), 31 in all", "delete 1 rules no longer used", "delete-private-endpoint-rule"}},
		{name: "27 in the region + 3 brokers",
			rules: append(rulesIn("ncc-a", 20, other), rulesIn("ncc-b", 7, other)...),
			nccs:  [][3]string{{"ncc-a", "a", "us-east-1"}, {"ncc-b", "b", "us-east-1"}},
			usage: "private endpoints 27 + 3 new = 30 of 30; NCCs 2 + 1 new = 3 of 10; domain names per rule at most 1 of 10."},
		{name: "the deployment's own NCC has its rules",
			rules: append(rulesIn("ncc-a", 27, other), rulesIn("ncc-ours", 3, ours)...),
			nccs:  [][3]string{{"ncc-a", "a", "us-east-1"}, {"ncc-ours", "orders-dbx-ncc", "us-east-1"}},
			usage: "private endpoints 30 + 0 new = 30 of 30; NCCs 2 + 0 new = 2 of 10"},
		{name: "an 11th NCC",
			nccs: [][3]string{{"n0", "n0", "us-east-1"}, {"n1", "n1", "us-east-1"}, {"n2", "n2", "us-east-1"}, {"n3", "n3", "us-east-1"}, {"n4", "n4", "us-east-1"},
				{"n5", "n5", "us-east-1"}, {"n6", "n6", "us-east-1"}, {"n7", "n7", "us-east-1"}, {"n8", "n8", "us-east-1"}, {"n9", "n9", "us-east-1"}, {"n10", "n10", "eu-west-1"}},
			refused: []string{"Databricks allows 10 NCCs per region: the account has 10 in us-east-1 and this deployment would create one more (orders-dbx-ncc)", "pass --databricks-ncc-id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			arn := existingCluster(t, h, nil)
			h.dbx = databricksfake.Start(fixtureAccountID, tc.rules...)
			t.Cleanup(h.dbx.Close)
			h.dbx.PageSize = 7 // every list above one page
			for _, n := range tc.nccs {
				h.dbx.AddNCC(n[0], n[1], n[2])
			}
			r := h.run(append(append([]string{"plan"}, existingInputs(arn)...), databricksInputs...)...)
			if len(tc.refused) > 0 {
				if r.code != ExitUsage {
					t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
				}
				for _, w := range append(tc.refused, "Databricks' account limits refuse this deployment", "Nothing was planned or changed") {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
					}
				}
				if _, err := os.Stat(filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "orders-dbx")); err == nil {
					t.Errorf("a refused plan wrote the deployment's working directory")
				}
				return
			}
			if r.code != 0 || !strings.Contains(r.stdout, tc.usage) {
				t.Errorf("exit %d; stdout lacks %q:\n%s\n%s", r.code, tc.usage, r.stdout, r.stderr)
			}
		})
	}
}

// A deployment that creates its cluster adds one rule per broker too: its
// hostnames do not exist yet, so the count is broker_count (or broker_ids),
// less the rules its NCC already has for its cluster's brokers (b-N.<prefix>-msk.…)
// on a later plan.
func TestNewClusterDatabricksLimits(t *testing.T) {
	t.Parallel()
	other := func(i int) string { return fmt.Sprintf("kafka-%d.other.example.com", i) }
	ourHost := func(i int) string {
		return fmt.Sprintf("b-%d.test-dep-msk.abc123.c2.kafka.us-east-1.amazonaws.com", i+1)
	}
	for _, tc := range []struct {
		name    string
		rules   []databricksfake.Rule
		nccs    [][3]string
		args    []string
		refused string
		usage   string
	}{
		{name: "28 in the region + 3 brokers",
			rules:   append(rulesIn("ncc-a", 20, other), rulesIn("ncc-b", 8, other)...),
			nccs:    [][3]string{{"ncc-a", "a", "us-east-1"}, {"ncc-b", "b", "us-east-1"}},
			refused: "has 28 in us-east-1 (ncc-a: 20, ncc-b: 8) and this deployment adds 3 (one per broker without a rule), 31 in all"},
		{name: "22 in the region + 9 brokers",
			rules:   rulesIn("ncc-a", 22, other),
			nccs:    [][3]string{{"ncc-a", "a", "us-east-1"}},
			args:    []string{"--broker-count", "9"},
			refused: "adds 9 (one per broker without a rule), 31 in all"},
		{name: "a later plan: the NCC has its brokers' rules",
			rules: append(rulesIn("ncc-a", 27, other), rulesIn("ncc-ours", 3, ourHost)...),
			nccs:  [][3]string{{"ncc-a", "a", "us-east-1"}, {"ncc-ours", "test-dep-ncc", "us-east-1"}},
			usage: "private endpoints 30 + 0 new = 30 of 30; NCCs 2 + 0 new = 2 of 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.dbx = databricksfake.Start(fixtureAccountID, tc.rules...)
			t.Cleanup(h.dbx.Close)
			for _, n := range tc.nccs {
				h.dbx.AddNCC(n[0], n[1], n[2])
			}
			r := h.run(append(append(append([]string{"plan"}, fixtureInputs...), databricksInputs...), tc.args...)...)
			if tc.refused != "" {
				if r.code != ExitUsage || !strings.Contains(r.stderr, tc.refused) || !strings.Contains(r.stderr, "Nothing was planned or changed") {
					t.Fatalf("exit %d, want 2 and %q\n%s\n%s", r.code, tc.refused, r.stdout, r.stderr)
				}
				if _, err := os.Stat(filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "test-dep")); err == nil {
					t.Errorf("a refused plan wrote the deployment's working directory")
				}
				return
			}
			if r.code != 0 || !strings.Contains(r.stdout, tc.usage) {
				t.Errorf("exit %d; stdout lacks %q:\n%s\n%s", r.code, tc.usage, r.stdout, r.stderr)
			}
		})
	}
}

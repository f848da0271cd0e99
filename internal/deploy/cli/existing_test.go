package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
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

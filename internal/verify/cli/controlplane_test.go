package cli_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// tfJSON renders d as `terraform output -json` does.
func tfJSON(t *testing.T, d tfoutputs.Deployment) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for k, v := range flat {
		out[k] = map[string]any{"value": v, "sensitive": false}
	}
	b, err = json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// awsEnv points the SDK default chain at static credentials and every AWS
// API at the fake, the way an operator would with AWS_ENDPOINT_URL.
func awsEnv(t *testing.T, srv *awsfake.Server) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEMSKVPCE00001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

type jsonReport struct {
	Passed     bool     `json:"passed"`
	NoDataPath bool     `json:"no_data_path"`
	Notes      []string `json:"notes"`
	Paths      []struct {
		BrokerID int  `json:"broker_id"`
		Passed   bool `json:"passed"`
		Stages   []struct {
			Check string `json:"check"`
			OK    bool   `json:"ok"`
		} `json:"stages"`
	} `json:"paths"`
	Checks []struct {
		Check    string `json:"check"`
		Target   string `json:"target"`
		OK       bool   `json:"ok"`
		Detail   string `json:"detail"`
		NextStep string `json:"next_step"`
	} `json:"checks"`
}

func decodeReport(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	return r
}

// TestControlPlaneOnly runs `--tf-outputs - --checks control-plane` against
// the AWS fake (no Kafka: a tf-outputs deployment's data path is not
// reachable here): healthy → exit 0 with every check in the table and the
// JSON; a broker replaced behind its NLB → exit 1 with the stale target, its
// fix, and only that path's findings failing. Not parallel: it sets the
// AWS environment.
func TestControlPlaneOnly(t *testing.T) {
	d := awsfake.Sample()
	perBroker := len(controlplane.AllChecks) - 3 // broker-sg, nlb-sg, trust-policy are one each
	wantChecks := perBroker*len(d.Brokers) + 3

	t.Run("healthy", func(t *testing.T) {
		srv := awsfake.Start(awsfake.Healthy(d))
		defer srv.Close()
		awsEnv(t, srv)

		code, out, errs := run(t, tfJSON(t, d), "--tf-outputs", "-", "--checks", "control-plane")
		if code != cli.ExitOK {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
		for _, w := range append([]string{"control plane only", "Control plane (AWS APIs): " + itoa(wantChecks) + " passed, 0 failed",
			"PASS: " + itoa(wantChecks) + " of " + itoa(wantChecks) + " control-plane checks passed; data path not checked"}, controlplane.AllChecks...) {
			if !strings.Contains(out, w) {
				t.Errorf("table lacks %q:\n%s", w, out)
			}
		}
		if regexp.MustCompile(`(?m)^BROKER\s`).MatchString(out) {
			t.Errorf("control-plane-only table shows broker paths:\n%s", out)
		}

		code, out, _ = run(t, tfJSON(t, d), "--tf-outputs", "-", "--checks", "control-plane", "--output", "json")
		r := decodeReport(t, out)
		if code != cli.ExitOK || !r.Passed || !r.NoDataPath || len(r.Paths) != 0 || len(r.Checks) != wantChecks {
			t.Fatalf("json: exit %d passed %v no_data_path %v paths %d checks %d (want %d):\n%s", code, r.Passed, r.NoDataPath, len(r.Paths), len(r.Checks), wantChecks, out)
		}
		seen := map[string]bool{}
		for _, c := range r.Checks {
			seen[c.Check] = true
			if !c.OK || c.Detail == "" {
				t.Errorf("%s / %s: want ok with a detail: %+v", c.Check, c.Target, c)
			}
		}
		for _, id := range controlplane.AllChecks {
			if !seen[id] {
				t.Errorf("check %s missing from the JSON report", id)
			}
		}
	})

	t.Run("stale target", func(t *testing.T) {
		st := awsfake.Healthy(d)
		st.Nodes[1].ClientIP = "10.0.2.150" // broker 2 replaced; NLB 2 still targets 10.0.2.102
		srv := awsfake.Start(st)
		defer srv.Close()
		awsEnv(t, srv)

		code, out, errs := run(t, tfJSON(t, d), "--tf-outputs", "-", "--checks", "nlb-target,trust-policy")
		if code != cli.ExitFailed {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
		for _, w := range []string{
			"broker 2, nlb-target: target 10.0.2.102:9098 is stale: broker 2's client IP is now 10.0.2.150",
			"next: aws elbv2 register-targets --region us-east-1 --target-group-arn " + d.Brokers[1].TargetGroupARN + " --targets Id=10.0.2.150,Port=9098",
			"Control plane (AWS APIs): 3 passed, 1 failed",
			"FAIL: 3 of 4 control-plane checks passed, 1 failure(s); data path not checked",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("table lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, "endpoint-service") {
			t.Errorf("--checks nlb-target,trust-policy ran other checks:\n%s", out)
		}
	})
}

// TestDataAndControlPlaneInOneReport: the default --checks with
// --tf-outputs runs both; the data path fails (nothing listens at the NLB
// addresses) while the control plane is healthy, and one report holds both.
func TestDataAndControlPlaneInOneReport(t *testing.T) {
	d := awsfake.Sample()
	for i := range d.Brokers {
		d.Brokers[i].NLBDNSName = "127.0.0.1"
	}
	srv := awsfake.Start(awsfake.Healthy(d))
	defer srv.Close()
	awsEnv(t, srv)

	code, out, errs := run(t, tfJSON(t, d), "--tf-outputs", "-", "--stage-timeout", "2s", "--output", "json")
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	r := decodeReport(t, out)
	if r.Passed || r.NoDataPath || len(r.Paths) != len(d.Brokers) {
		t.Fatalf("want %d failed paths in the report: %s", len(d.Brokers), out)
	}
	for _, p := range r.Paths {
		if p.Passed || p.Stages[1].Check != "tcp" || p.Stages[1].OK {
			t.Errorf("broker %d: want a tcp failure: %+v", p.BrokerID, p)
		}
	}
	cp := 0
	for _, c := range r.Checks {
		if c.Check == "topic" || c.Check == "route" {
			continue
		}
		cp++
		if !c.OK {
			t.Errorf("control-plane %s / %s failed against a healthy fake: %s", c.Check, c.Target, c.Detail)
		}
	}
	if want := (len(controlplane.AllChecks)-3)*len(d.Brokers) + 3; cp != want {
		t.Errorf("%d control-plane findings, want %d", cp, want)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	code, out, errs := run(t, tfJSON(t, d), "permissions", "--tf-outputs", "-")
	if code != cli.ExitOK || out != controlplane.IAMPolicy(d)+"\n" {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, controlplane.IAMPolicy(d), errs)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Statement) == 0 {
		t.Fatalf("not a policy document: %v\n%s", err, out)
	}
	code, out, _ = run(t, "", "permissions")
	if code != cli.ExitOK || !strings.Contains(out, "cluster/CLUSTER_NAME/CLUSTER_UUID") {
		t.Errorf("permissions without outputs: exit %d, want a placeholder policy:\n%s", code, out)
	}
	code, errs, _ = run(t, "", "permissions", "--help")
	if code != cli.ExitOK || !strings.Contains(errs, "ec2:DescribeSecurityGroupRules") || !strings.Contains(errs, "trust-policy") {
		t.Errorf("permissions --help should list each check's actions:\n%s", errs)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

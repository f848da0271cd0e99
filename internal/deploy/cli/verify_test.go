package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// TestVerifyAgainstLocalMSK applies the fixture (whose outputs name the same
// cluster and broker hostnames as the local MSK-like environment), then runs
// `deploy verify` through the local per-broker NLB stand-ins: it passes, and
// fails with exit 3 once an NLB is down.
func TestVerifyAgainstLocalMSK(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local MSK-like cluster and runs Terraform")
	}
	env, info := startLocalMSK(t)

	h := newHarness(t)
	h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	// The control-plane checks call AWS APIs; the local environment has none.
	args := []string{"verify", "--no-control-plane", "--ca-file", info.CAFile, "--timeout", "30s", "--output", "json"}
	for _, b := range info.Brokers {
		args = append(args, "--endpoint", b.Advertised()+"="+b.Endpoint)
	}
	r := h.run(args...)
	if r.code != 0 {
		t.Fatalf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Passed bool `json:"passed"`
		Paths  []struct {
			BrokerID int  `json:"broker_id"`
			Passed   bool `json:"passed"`
		} `json:"paths"`
		Checks []struct {
			Check string `json:"check"`
			OK    bool   `json:"ok"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("verify --output json: %v\n%s", err, r.stdout)
	}
	if !rep.Passed || len(rep.Paths) != 3 {
		t.Errorf("report: %+v", rep)
	}
	drift := false
	for _, c := range rep.Checks {
		if c.Check == "drift" {
			drift = true
			if !c.OK {
				t.Errorf("drift reported on an unchanged deployment")
			}
		}
	}
	if !drift {
		t.Error("no drift check in the report")
	}
	if !strings.Contains(r.stderr, "placeholder external ID") {
		t.Errorf("verify does not warn about the placeholder:\n%s", r.stderr)
	}

	if err := env.SetNLBDown(2, true); err != nil {
		t.Fatal(err)
	}
	r = h.run(append(args, "--no-drift")...)
	if r.code != ExitVerifyFailed {
		t.Fatalf("verify with NLB 2 down: exit %d, want %d\n%s\n%s", r.code, ExitVerifyFailed, r.stdout, r.stderr)
	}
	if err := env.SetNLBDown(2, false); err != nil {
		t.Fatal(err)
	}

	// --stage-timeout reaches the verifier, as verify's does: a path 3 s
	// slower each way fails at tls after exactly the bound given.
	if err := env.SetLatency(2, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	defer env.SetLatency(2, 0)
	r = h.run(append(args, "--no-drift", "--stage-timeout", "1500ms")...)
	if r.code != ExitVerifyFailed || !strings.Contains(r.stdout, "timed out after 1.5s") {
		t.Errorf("verify --stage-timeout 1500ms with path 2 slow: exit %d, want %d with its tls stage timed out after 1.5s\n%s\n%s", r.code, ExitVerifyFailed, r.stdout, r.stderr)
	}
	// A bound longer than the run is refused before anything runs.
	r = h.run("verify", "--stage-timeout", "40s", "--timeout", "30s")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--stage-timeout 40s is longer than --timeout 30s") {
		t.Errorf("verify --stage-timeout 40s --timeout 30s: exit %d, want %d naming both\n%s", r.code, ExitUsage, r.stderr)
	}
}

// startLocalMSK starts the local MSK-like environment for the test (closed
// at its end) and makes its credentials the operator's: they sign the
// verifier's tokens and the AWS calls; no profile or IMDS lookups.
func startLocalMSK(t *testing.T) (*localmsk.Env, localmsk.Info) {
	t.Helper()
	env, err := localmsk.Start(context.Background(), localmsk.Options{ClusterName: "test-dep-msk", Region: "us-east-1", HostID: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	info := env.Info()
	t.Setenv("AWS_ACCESS_KEY_ID", info.Credentials.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", info.Credentials.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", info.Credentials.SessionToken)
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return env, info
}

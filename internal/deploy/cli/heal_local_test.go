package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/localmsk/awsapi"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// TestHealReplacedBrokerWithDeploy, end to end offline through the
// operator's front door: the fixture deployment names the local
// environment's cluster; MSK replaces broker 2 and `deploy verify` fails on
// that path (exit 3); `deploy heal` names the stale target and changes
// nothing; `deploy heal --yes` heals it through the environment's AWS
// control plane; `deploy verify` passes. Not parallel: the environment's
// credentials are the process's (startLocalMSK).
func TestHealReplacedBrokerWithDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local MSK-like cluster and runs Terraform")
	}
	// The fixture's cluster: its ARN (account, UUID) and hostnames.
	env, err := localmsk.Start(context.Background(), localmsk.Options{ClusterName: "test-dep-msk", Region: "us-east-1", HostID: "abc123",
		Account: "123456789012", ClusterUUID: "0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"})
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
	srv, err := awsapi.Serve(env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)

	h := newHarness(t)
	h.aws = srv // deploy's own AWS calls go to the environment's control plane
	h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	d, err := tfoutputs.Parse(strings.NewReader(h.must("output", "--output", "json").stdout))
	if err != nil {
		t.Fatal(err)
	}
	if d.ClusterARN != info.ClusterARN {
		t.Fatalf("the fixture names cluster %s, the environment is %s", d.ClusterARN, info.ClusterARN)
	}
	var nlbs []awsapi.NLB
	for _, b := range d.Brokers {
		nlbs = append(nlbs, awsapi.NLB{BrokerID: b.ID, NLBARN: b.NLBARN, TargetGroupARN: b.TargetGroupARN})
	}
	f, err := awsapi.ServeNLBs(env, srv, nlbs, awsfake.DefaultHealthCheck.Scaled(100))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)

	verifyArgs := []string{"verify", "--no-control-plane", "--no-drift", "--ca-file", info.CAFile, "--timeout", "20s", "--output", "json"}
	for _, b := range info.Brokers {
		verifyArgs = append(verifyArgs, "--endpoint", b.Advertised()+"="+b.Endpoint)
	}
	h.must(verifyArgs...)

	old := info.Brokers[1].ClientIP
	if err := env.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	now := env.Info().Brokers[1].ClientIP
	r := h.run(verifyArgs...)
	var rep struct {
		Paths []struct {
			BrokerID int  `json:"broker_id"`
			Passed   bool `json:"passed"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != ExitVerifyFailed {
		t.Fatalf("verify after the replacement: exit %d (want 3), %v\n%s", r.code, err, r.stdout)
	}
	for _, p := range rep.Paths {
		if p.Passed != (p.BrokerID != 2) {
			t.Errorf("broker %d passed = %v; want broker 2's path alone failing", p.BrokerID, p.Passed)
		}
	}

	r = h.must("heal")
	if !strings.Contains(r.stdout, "register "+now+":9098; deregister "+old+":9098") || !strings.Contains(r.stdout, "WOULD HEAL 1 broker(s)") {
		t.Fatalf("deploy heal (dry run) does not name the change:\n%s", r.stdout)
	}
	start := time.Now()
	r = h.must("heal", "--yes", "--timeout", "10s")
	if !strings.Contains(r.stdout, "HEALED 1 broker(s)") {
		t.Fatalf("deploy heal --yes:\n%s", r.stdout)
	}
	h.must(verifyArgs...)
	t.Logf("from deploy heal --yes to a passing verify: %s", time.Since(start).Round(time.Millisecond))
}

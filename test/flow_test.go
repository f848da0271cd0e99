package test

import (
	"os"
	"testing"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// stack is one place the end-to-end flow can run: real AWS (nightly, `make
// e2e`) or the local MSK-like environment (every CI run, `make e2e-local`).
// Both go through the same stages and the same assertions, so the local flow
// keeps the AWS one from rotting.
type stack interface {
	// deploy builds the MSK side: cluster, one NLB and endpoint service per broker, the Databricks role.
	deploy(t *testing.T)
	// deployConsumer builds the Databricks-like consumer: one endpoint per
	// broker's service, broker hostnames resolving to them, and a runner
	// trusted by the Databricks role.
	deployConsumer(t *testing.T)
	// verify has the runner assume the Databricks role with the external ID
	// and verify every broker path; it returns the verifier's report.
	verify(t *testing.T) *verify.Report
	// brokers is how many broker paths the report must cover.
	brokers(t *testing.T) int
	teardown(t *testing.T)
}

// runFlow runs the stages the way terratest's test_structure.RunTestStage
// does, so SKIP_deploy, SKIP_deploy_consumer, SKIP_verify and SKIP_teardown
// iterate on a stack that persists between runs (AWS). Teardown is deferred:
// it runs when a stage fails.
func runFlow(t *testing.T, s stack) {
	defer runStage(t, "teardown", func() { s.teardown(t) })
	runStage(t, "deploy", func() { s.deploy(t) })
	runStage(t, "deploy_consumer", func() { s.deployConsumer(t) })
	runStage(t, "verify", func() {
		requireAllPathsPassed(t, s.verify(t), s.brokers(t))
	})
	if h, ok := s.(healer); ok {
		runStage(t, "heal", func() { h.heal(t) })
	}
}

// healer is a stack whose broker paths heal themselves (the broker-path
// healer): heal breaks one and requires it back within the healer's
// schedule.
type healer interface {
	heal(t *testing.T)
}

// runStage is test_structure.RunTestStage (SKIP_<stage> set: skip it) without
// importing test_structure, which brings terratest's aws and k8s modules:
// ~600 packages (k8s.io/client-go and api, a dozen AWS SDK services) that
// every cold `go test ./...` and `make race` would compile for these four
// lines. The AWS stack (e2e tag) still uses test_structure for its saved state.
func runStage(t *testing.T, name string, stage func()) {
	if os.Getenv("SKIP_"+name) != "" {
		t.Logf("SKIP_%s is set: skipping stage %s", name, name)
		return
	}
	t.Logf("stage %s (set SKIP_%s to skip it)", name, name)
	stage()
}

// wantStages are the data-path stages every broker path must pass, in order.
var wantStages = []string{"dns", "tcp", "tls", "sasl", "metadata", "produce", "group", "consume"}

func requireAllPathsPassed(t *testing.T, r *verify.Report, brokers int) {
	t.Helper()
	if r == nil {
		t.Fatal("verifier returned no report")
	}
	if len(r.Paths) != brokers {
		t.Errorf("report covers %d broker paths, want %d", len(r.Paths), brokers)
	}
	for _, p := range r.Paths {
		got := map[string]bool{}
		for _, st := range p.Stages {
			got[st.Check] = true
			if !st.OK {
				t.Errorf("broker %d: stage %s failed: %s (next: %s)", p.BrokerID, st.Check, st.Detail, st.NextStep)
			}
		}
		for _, name := range wantStages {
			if !got[name] {
				t.Errorf("broker %d: stage %s missing from the report", p.BrokerID, name)
			}
		}
	}
	if !r.Passed {
		t.Errorf("report says not passed (run %s)", r.RunID)
	}
}

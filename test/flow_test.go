package test

import (
	"testing"

	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

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

// runFlow runs the stages with terratest's test_structure, so SKIP_deploy,
// SKIP_deploy_consumer, SKIP_verify and SKIP_teardown iterate on a stack that
// persists between runs (AWS). Teardown is deferred: it runs when a stage fails.
func runFlow(t *testing.T, s stack) {
	defer test_structure.RunTestStage(t, "teardown", func() { s.teardown(t) })
	test_structure.RunTestStage(t, "deploy", func() { s.deploy(t) })
	test_structure.RunTestStage(t, "deploy_consumer", func() { s.deployConsumer(t) })
	test_structure.RunTestStage(t, "verify", func() {
		requireAllPathsPassed(t, s.verify(t), s.brokers(t))
	})
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

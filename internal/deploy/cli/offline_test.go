package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOfflinePlanIsNotApplied follows the offline recipe with the real
// schema-only provider configured (bin/terraformrc): plan says its plan
// cannot be applied instead of how to apply it; apply refuses at once,
// exit 2, before any Terraform work; status calls the deployment planned,
// with deploy's way out; output and verify give deploy's own hint. A state
// that an apply left with outputs and no resources (what the offline apply
// did before) is not "partially applied" either.
func TestOfflinePlanIsNotApplied(t *testing.T) {
	rc := schemaProviderRC(t)
	t.Setenv("TF_CLI_CONFIG_FILE", rc)
	h := newHarness(t)
	h.env["TF_CLI_CONFIG_FILE"] = rc

	r := h.must(append([]string{"plan"}, fixtureInputs...)...)
	if !strings.Contains(r.stdout, "made with the schema-only provider (offline) and cannot be applied") || strings.Contains(r.stdout, "Apply it:") {
		t.Errorf("offline plan: want it to say its plan cannot be applied, not how to apply it:\n%s", r.stdout)
	}
	plan := filepath.Join(h.workdir(), "plan.tfplan")
	before, err := os.Stat(plan)
	if err != nil {
		t.Fatal(err)
	}

	r = h.run("apply", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "this plan was made with the schema-only provider: it cannot be applied; unset TF_CLI_CONFIG_FILE") ||
		!strings.Contains(r.stderr, "deploy apply --name test-dep") || strings.Contains(r.stderr, "[0/") {
		t.Errorf("offline apply: exit %d, want %d refusing before Terraform runs, naming TF_CLI_CONFIG_FILE and the command:\n%s", r.code, ExitUsage, r.stderr)
	}
	state := filepath.Join(h.workdir(), "terraform.tfstate")
	if _, err := os.Stat(state); err == nil {
		t.Error("the refused apply wrote a state")
	}
	if after, err := os.Stat(plan); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the refused apply touched the saved plan: %v", err)
	}

	r = h.must("status")
	if !strings.Contains(r.stdout, "Phase:           planned, not applied") || !strings.Contains(r.stdout, "unset TF_CLI_CONFIG_FILE, then deploy apply --name test-dep") {
		t.Errorf("status of an offline plan:\n%s", r.stdout)
	}
	for _, cmd := range []string{"output", "verify"} {
		r = h.run(cmd)
		if r.code == ExitOK || !strings.Contains(r.stderr, "nothing applied yet (the state has no outputs): run `deploy apply --name test-dep`") || strings.Contains(r.stderr, "terraform/examples/complete") {
			t.Errorf("%s before any apply: exit %d, want deploy's own hint:\n%s", cmd, r.code, r.stderr)
		}
	}

	// What the offline apply used to leave: outputs computed from the
	// inputs, no resource. Without the schema-only provider configured.
	delete(h.env, "TF_CLI_CONFIG_FILE")
	if err := os.WriteFile(state, []byte(`{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"b1f1c1a0-0000-4000-8000-000000000000",
"outputs":{"region":{"value":"us-east-1","type":"string"}},"resources":[],"check_results":null}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.must("status")
	if strings.Contains(r.stdout, "partially applied") || !strings.Contains(r.stdout, "Phase:           planned, not applied") || !strings.Contains(r.stdout, "Next:            deploy apply --name test-dep") {
		t.Errorf("status of a state with outputs and no resources:\n%s", r.stdout)
	}
	r = h.run("output")
	if r.code == ExitOK || !strings.Contains(r.stderr, "not fully applied: the outputs lack cluster_arn") || !strings.Contains(r.stderr, "run `deploy apply --name test-dep` to finish it") {
		t.Errorf("output of a state with some outputs: exit %d, want deploy's own hint:\n%s", r.code, r.stderr)
	}
}

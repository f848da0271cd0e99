package deploy

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/tfrunner"
	"github.com/mskvpce/mskvpce/terraform"
)

// repoRoot is the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// schemaProviderRC returns bin/terraformrc (the schema-only AWS provider),
// building it with `make tools` when it is missing; MSKVPCE_TEST_TERRAFORMRC
// names another CLI configuration.
func schemaProviderRC(t *testing.T) string {
	t.Helper()
	if rc := os.Getenv("MSKVPCE_TEST_TERRAFORMRC"); rc != "" {
		return rc
	}
	root := repoRoot(t)
	rc := filepath.Join(root, "bin", "terraformrc")
	if _, err := os.Stat(rc); err == nil {
		return rc
	}
	cmd := exec.Command("make", "tools")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bin/terraformrc is missing and `make tools` failed: %v\n%s", err, out)
	}
	if _, err := os.Stat(rc); err != nil {
		t.Fatalf("`make tools` did not produce %s", rc)
	}
	return rc
}

// TestEmbeddedExamplePlansOffline plans the embedded terraform/examples/complete
// against the schema-only AWS provider: the real configuration, the real
// Terraform, no cloud.
func TestEmbeddedExamplePlansOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("plans the full example (tens of seconds); run without -short")
	}
	t.Setenv("TF_CLI_CONFIG_FILE", schemaProviderRC(t))
	h := newHarness(t)
	h.tree = nil
	r := h.runEmbedded(append([]string{"plan", "--output", "json"}, fixtureInputs...)...)
	if r.code != 0 {
		t.Fatalf("deploy plan of the embedded example: exit %d\n%s", r.code, r.stderr)
	}
	var s tfrunner.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("plan --output json: %v\n%s", err, r.stdout)
	}
	if s.Change != 0 || s.Destroy != 0 || s.Add != len(s.Changes) {
		t.Errorf("a first plan only adds: %+v", s)
	}
	count := map[string]int{}
	for _, c := range s.Changes {
		if c.Action != "create" {
			continue
		}
		addr := c.Address
		if i := strings.IndexByte(addr, '['); i >= 0 {
			addr = addr[:i]
		}
		count[addr]++
	}
	for addr, want := range map[string]int{
		"module.msk_vpce.aws_msk_cluster.this":            1,
		"module.msk_vpce.aws_lb.broker":                   3,
		"module.msk_vpce.aws_lb_target_group.broker":      3,
		"module.msk_vpce.aws_lb_listener.broker":          3,
		"module.msk_vpce.aws_vpc_endpoint_service.broker": 3,
		"module.msk_vpce.aws_iam_role.databricks":         1,
		"module.msk_vpce.aws_subnet.private":              3,
	} {
		if count[addr] != want {
			t.Errorf("plan creates %d of %s, want %d", count[addr], addr, want)
		}
	}
	// The laid tree is the embedded one, and the state lives outside it.
	wd := h.workdir()
	if _, err := os.Stat(filepath.Join(wd, "hcl", "modules", "msk-vpce", "msk.tf")); err != nil {
		t.Errorf("module not laid: %v", err)
	}
	if _, err := os.Stat(filepath.Join(wd, "plan.tfplan")); err != nil {
		t.Errorf("plan file not saved: %v", err)
	}
}

func (h *harness) runEmbedded(args ...string) result {
	h.t.Helper()
	var out, errb strings.Builder
	code := Run(context.Background(), Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out, Stderr: &errb,
		Tree: terraform.FS, Root: terraform.Root,
		Getenv: func(k string) string { return h.env[k] },
	}, args)
	return result{code, out.String(), errb.String()}
}

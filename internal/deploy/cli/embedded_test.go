package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

// schemaProviderRC returns a Terraform CLI configuration for the
// schema-only AWS provider: bin/terraformrc (built with make when missing;
// never skipped), which carries a filesystem mirror of the same binaries so
// that `terraform init` — which deploy runs, unlike the gate's `terraform
// get` — finds a provider package without the registry. Its dev_overrides still
// decide which binary runs. It also points the provider at the data source
// fixture, tools/fixtures/data-sources.json.
func schemaProviderRC(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	rc := filepath.Join(root, "bin", "terraformrc")
	if _, err := os.Stat(rc); err != nil {
		// Only what this test needs, the providers and the rc (`make tools`
		// also builds the linters); the rc alone would point at no provider.
		cmd := exec.Command("make", "plan-tools")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bin/terraformrc is missing and `make plan-tools` failed: %v\n%s", err, out)
		}
	}
	base, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	if fx := filepath.Join(root, "tools", "fixtures", "data-sources.json"); fileExists(fx) {
		t.Setenv("MSKVPCE_SCHEMA_PROVIDER_DATA", fx)
	}
	if strings.Contains(string(base), "filesystem_mirror") {
		return rc // make already mirrors the providers: init works offline as is
	}
	// An older bin/terraformrc: mirror every provider bin/terraformrc overrides, e.g.
	//   "registry.terraform.io/hashicorp/aws" = "/repo/bin/providers/aws"
	// at a version the configurations accept (the schemas' versions).
	versions := map[string]string{"aws": "6.9.0", "databricks": "1.84.0"}
	mirror := t.TempDir()
	var sources []string
	for _, m := range reOverride.FindAllStringSubmatch(string(base), -1) {
		source, dir := m[1], m[2]
		name := filepath.Base(source)
		v := versions[name]
		if v == "" {
			v = "1.0.0"
		}
		bin := filepath.Join(dir, "terraform-provider-"+name)
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("provider %s missing: %v (run make tools)", source, err)
		}
		pkg := filepath.Join(mirror, filepath.FromSlash(source), v, runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(bin, filepath.Join(pkg, "terraform-provider-"+name+"_v"+v)); err != nil {
			t.Fatal(err)
		}
		sources = append(sources, fmt.Sprintf("%q", source))
	}
	if len(sources) == 0 {
		t.Fatalf("%s has no dev_overrides; update this test:\n%s", rc, base)
	}
	const direct = "  direct {}"
	if !strings.Contains(string(base), direct) {
		t.Fatalf("%s changed shape (no %q); update this test:\n%s", rc, direct, base)
	}
	list := strings.Join(sources, ", ")
	withMirror := strings.Replace(string(base), direct, fmt.Sprintf(`  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = [%s]
  }`, mirror, list, list), 1)
	out := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(out, []byte(withMirror), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

var reOverride = regexp.MustCompile(`"([^"]+/[^"]+/[^"]+)"\s*=\s*"([^"]+)"`)

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
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
	count := map[string]int{}
	creates := 0
	for _, c := range s.Changes {
		if c.Action != "create" {
			if c.Action != "read" {
				t.Errorf("a first plan only creates (and reads data sources): %s %s", c.Action, c.Address)
			}
			continue
		}
		creates++
		addr := c.Address
		if i := strings.IndexByte(addr, '['); i >= 0 {
			addr = addr[:i]
		}
		count[addr]++
	}
	if s.Change != 0 || s.Destroy != 0 || s.Add != creates || creates < 20 {
		t.Errorf("summary %d to add, %d to change, %d to destroy; %d creates listed", s.Add, s.Change, s.Destroy, creates)
	}
	for addr, want := range map[string]int{
		"module.msk_vpce.aws_msk_cluster.this":                               1,
		"module.msk_vpce.module.privatelink.aws_lb.broker":                   3,
		"module.msk_vpce.module.privatelink.aws_lb_target_group.broker":      3,
		"module.msk_vpce.module.privatelink.aws_lb_listener.broker":          3,
		"module.msk_vpce.module.privatelink.aws_vpc_endpoint_service.broker": 3,
		"module.msk_vpce.module.privatelink.aws_iam_role.databricks":         1,
		"module.msk_vpce.aws_subnet.private":                                 3,
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

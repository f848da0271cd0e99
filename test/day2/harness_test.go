// Package day2 plans day-2 changes the way an operator meets them: real
// terraform 1.11, the real AWS provider schema (bin/providers/aws, the
// schema-only provider, which plans a replacement where the real provider
// would), a deployment applied first (mock applies: the provider stores what
// it planned, nothing is created anywhere), then each change planned against
// that state and read back with `terraform show -json`. Defects that a
// plan-only test cannot see show here: a read deferred to apply, a value
// that turns unknown, a resource replaced or destroyed.
package day2

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

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
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

var (
	toolsOnce sync.Once
	toolsErr  error
)

// tools builds the schema-only provider and bin/terraformrc (incremental:
// a no-op after make test built them), so the test never runs a stale
// provider and never skips for a missing one.
func tools(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	toolsOnce.Do(func() {
		out, err := exec.Command("make", "-s", "-C", root, "bin/providers/aws/terraform-provider-aws", "bin/terraformrc").CombinedOutput()
		if err != nil {
			toolsErr = fmt.Errorf("building the schema-only provider failed: %w\n%s", err, out)
		}
	})
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatalf("terraform is not on PATH (1.11.4 expected): %v", err)
	}
	return filepath.Join(root, "bin", "terraformrc")
}

// workspace is a copy of terraform/ with one root module to run terraform in.
type workspace struct {
	t       *testing.T
	dir     string // the root module
	fixture string // the schema provider's fixture file
	env     []string
}

// newWorkspace copies the repository's terraform/ tree (HCL only) and
// prepares root (relative to terraform/) with MSK reporting the given cluster.
func newWorkspace(t *testing.T, root string, c cluster) *workspace {
	t.Helper()
	rc := tools(t)
	tmp := t.TempDir()
	src := filepath.Join(repoRoot(t), "terraform")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".terraform" || d.Name() == "tests" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(tmp, rel), 0o755)
		}
		if !strings.HasSuffix(p, ".tf") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &workspace{t: t, dir: filepath.Join(tmp, root), fixture: filepath.Join(tmp, "fixture.json")}
	w.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc,
		"MSKVPCE_SCHEMA_PROVIDER_DATA="+w.fixture,
		"MSKVPCE_SCHEMA_PROVIDER_MOCK_APPLY=1",
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_PLUGIN_CACHE_DIR=",
	)
	w.report(c)
	w.run("init", "-input=false", "-backend=false")
	return w
}

// report makes MSK (and the AWS reads around it) report c from now on.
func (w *workspace) report(c cluster) {
	w.t.Helper()
	writeFixture(w.t, w.fixture, c)
}

func writeFixture(t *testing.T, path string, c cluster) {
	t.Helper()
	b, err := json.MarshalIndent(c.fixture(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs terraform in the root module and returns its output, failing the
// test on an error. It ends the whole process group (terraform and its
// providers) if the run outlives its deadline.
func (w *workspace) run(args ...string) string {
	w.t.Helper()
	out, err := w.try(args...)
	if err != nil {
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (w *workspace) try(args ...string) (string, error) {
	return w.tryWith(w.env, args...)
}

func (w *workspace) tryWith(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "terraform", append([]string{"-chdir=" + w.dir}, args...)...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// varArgs renders variables as -var flags (values as HCL literals).
func varArgs(vars map[string]string) []string {
	var out []string
	for k, v := range vars {
		out = append(out, "-var", k+"="+v)
	}
	return out
}

func (w *workspace) apply(vars map[string]string) {
	w.t.Helper()
	w.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, varArgs(vars)...)...)
}

// plan plans vars against the workspace's state and returns the plan as
// `terraform show -json` prints it, raw and decoded.
func (w *workspace) plan(vars map[string]string) ([]byte, *tfjson.Plan) {
	w.t.Helper()
	return w.planAs(w.t, nil, vars)
}

// planAs plans from t (a subtest), with MSK reporting c when c is not nil:
// plans do not write the state, so rows share one applied workspace
// (-lock=false) and run side by side, each with its own report.
func (w *workspace) planAs(t *testing.T, c *cluster, vars map[string]string, extra ...string) ([]byte, *tfjson.Plan) {
	t.Helper()
	env := w.env
	if c != nil {
		f := filepath.Join(t.TempDir(), "fixture.json")
		writeFixture(t, f, *c)
		env = append(append([]string{}, w.env...), "MSKVPCE_SCHEMA_PROVIDER_DATA="+f)
	}
	out := filepath.Join(t.TempDir(), "plan.tfplan")
	args := append(append([]string{"plan", "-input=false", "-no-color", "-lock=false", "-out=" + out}, extra...), varArgs(vars)...)
	if o, err := w.tryWith(env, args...); err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, o)
	}
	raw, err := w.tryWith(env, "show", "-json", out)
	if err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, raw)
	}
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	return []byte(raw), &p
}

// withState starts a workspace over root from the state file at path (an
// applied deployment), so rows can plan against one deployment side by side.
func withState(t *testing.T, root, path string, c cluster) *workspace {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := newWorkspace(t, root, c)
	if err := os.WriteFile(filepath.Join(n.dir, "terraform.tfstate"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return n
}

func (w *workspace) statePath() string { return filepath.Join(w.dir, "terraform.tfstate") }

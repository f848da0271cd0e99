package gate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/tools/internal/moduledocs"
)

func TestNeedsInit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tf := filepath.Join(dir, "main.tf")
	if err := os.WriteFile(tf, []byte("# x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !needsInit(dir) {
		t.Fatal("a directory never initialized needs init")
	}
	marker := filepath.Join(dir, ".terraform", initMarker)
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(tf, past, past); err != nil {
		t.Fatal(err)
	}
	if needsInit(dir) {
		t.Fatal("nothing changed since the last init, yet init is needed")
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(tf, future, future); err != nil {
		t.Fatal(err)
	}
	if !needsInit(dir) {
		t.Fatal("a .tf changed after the last init: init is needed")
	}
}

func TestFailedIgnoresPassesAndSkips(t *testing.T) {
	t.Parallel()
	rs := []Result{
		{Check: CheckFmt, OK: true},
		{Check: CheckTest, Skipped: true, OK: true},
		{Check: CheckValidate, OK: false, Target: "a"},
	}
	f := Failed(rs)
	if len(f) != 1 || f[0].Check != CheckValidate {
		t.Fatalf("Failed = %+v, want only the validate failure", f)
	}
}

func TestNeedsCallerProviders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		hcl  string
		want bool
	}{
		{"terraform {\n  required_providers {\n    d = {\n      source = \"databricks/databricks\"\n      configuration_aliases = [d.account]\n    }\n  }\n}\n", true},
		{"terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n# configuration_aliases = [] in a comment\n", false},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "versions.tf"), []byte(tc.hcl), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := needsCallerProviders(dir); got != tc.want {
			t.Errorf("needsCallerProviders(%q) = %v, want %v", tc.hcl, got, tc.want)
		}
	}
}

func TestPinnedTerraform(t *testing.T) {
	root := t.TempDir()
	if got := PinnedTerraform(root); got != "(the version in terraform/.terraform-version)" {
		t.Errorf("without the file: %q", got)
	}
	if err := os.MkdirAll(filepath.Join(root, "terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, VersionFile), []byte("1.11.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := PinnedTerraform(root); got != "1.11.4" {
		t.Errorf("with the file: %q, want 1.11.4", got)
	}
	// The repository's own pin.
	if got := PinnedTerraform(filepath.Join("..", "..", "..")); !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(got) {
		t.Errorf("the repository's %s: %q", VersionFile, got)
	}
}

// TestDocsCheck: the docs check passes a current README, fails a stale one,
// a module or example README without the markers and an example without a
// README (naming the directory and `make docs`), and skips a directory
// elsewhere without them.
func TestDocsCheck(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := "variable \"x\" {\n  description = \"The x.\"\n  type        = string\n}\n"
	markers := moduledocs.BeginInputs + "\n" + moduledocs.EndInputs + "\n" + moduledocs.BeginOutputs + "\n" + moduledocs.EndOutputs + "\n"
	for _, m := range []string{"current", "stale"} {
		write("terraform/modules/"+m+"/variables.tf", vars)
		write("terraform/modules/"+m+"/README.md", "# "+m+"\n"+markers)
		if _, err := moduledocs.Update(filepath.Join(root, "terraform/modules", m)); err != nil {
			t.Fatal(err)
		}
	}
	write("terraform/modules/stale/variables.tf", strings.Replace(vars, "The x.", "The x, renamed.", 1))
	write("terraform/modules/bare/variables.tf", vars)
	write("terraform/modules/bare/README.md", "# bare\n")
	write("terraform/examples/e/main.tf", vars)
	write("terraform/examples/e/README.md", "# e\n")
	write("terraform/examples/none/main.tf", vars)
	write("test/other/main.tf", vars)
	write("test/other/README.md", "# other\n")

	dir := func(rel string) string { return filepath.Join(root, rel) }
	c := Config{Checks: []string{CheckDocs}, Dirs: []string{
		dir("terraform/modules/current"), dir("terraform/modules/stale"), dir("terraform/modules/bare"), dir("terraform/examples/e"),
		dir("terraform/examples/none"), dir("test/other"),
	}}
	var out bytes.Buffer
	byDir := map[string]Result{}
	for _, r := range Run(context.Background(), c, &out) {
		byDir[r.Target] = r
	}
	if r := byDir[dir("terraform/modules/current")]; !r.OK || r.Skipped {
		t.Errorf("current README: %+v", r)
	}
	if r := byDir[dir("terraform/modules/stale")]; r.OK || !strings.Contains(r.Err, dir("terraform/modules/stale")+"/README.md") || !strings.Contains(r.Err, "run `make docs`") || !strings.Contains(r.Output, "The x, renamed.") {
		t.Errorf("stale README must fail naming the module, the fix and the line: %+v", r)
	}
	if r := byDir[dir("terraform/modules/bare")]; r.OK || !strings.Contains(r.Err, "has no generated input/output tables") || !strings.Contains(r.Err, moduledocs.BeginInputs) {
		t.Errorf("module README without markers must fail: %+v", r)
	}
	if r := byDir[dir("terraform/examples/e")]; r.OK || r.Skipped || !strings.Contains(r.Err, "has no generated input/output tables") {
		t.Errorf("an example README without markers must fail: %+v", r)
	}
	if r := byDir[dir("terraform/examples/none")]; r.OK || r.Skipped || !strings.Contains(r.Err, "has no README.md") || !strings.Contains(r.Err, "make docs") {
		t.Errorf("an example without a README must fail: %+v", r)
	}
	if r := byDir[dir("test/other")]; !r.Skipped {
		t.Errorf("a directory outside modules and examples without markers is skipped: %+v", r)
	}
	if !strings.Contains(out.String(), "FAIL  docs") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestHasTerraform(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gate/gate_test.go")
	write(".terraform/modules/m/main.tf")
	write(".git/x.tf")
	if hasTerraform(dir) {
		t.Error("Go files, and .tf only under .git and .terraform: hasTerraform = true")
	}
	write("fixtures/a/main.tf.json")
	if !hasTerraform(dir) {
		t.Error("a .tf.json in a subdirectory: hasTerraform = false")
	}
}

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
	"github.com/mskvpce/mskvpce/tools/internal/moduledocs"
)

func TestRun(t *testing.T) {
	root := t.TempDir()
	mod := filepath.Join(root, "terraform", "modules", "m")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"variables.tf": "variable \"name\" {\n  description = \"The name.\"\n  type        = string\n}\n",
		"outputs.tf":   "output \"id\" {\n  description = \"The ID.\"\n  value       = var.name\n}\n",
		"README.md": "# m\n\n" + moduledocs.BeginInputs + "\n" + moduledocs.EndInputs + "\n\n" +
			moduledocs.BeginOutputs + "\n" + moduledocs.EndOutputs + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := Run(&out, &errOut, []string{"-root", root}); code != 0 || out.String() != "updated terraform/modules/m/README.md\n" {
		t.Fatalf("first run: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if b, _ := os.ReadFile(filepath.Join(mod, "README.md")); !strings.Contains(string(b), "| `name` | `string` | required | The name. |") {
		t.Fatalf("README lacks the input's row:\n%s", b)
	}
	out.Reset()
	if code := Run(&out, &errOut, []string{"-root", root}); code != 0 || out.String() != "up to date terraform/modules/m/README.md\n" {
		t.Fatalf("second run: exit %d, stdout %q", code, out.String())
	}
	_ = os.WriteFile(filepath.Join(mod, "README.md"), []byte("# m\n"), 0o644)
	out.Reset()
	errOut.Reset()
	if code := Run(&out, &errOut, []string{"-root", root}); code != 2 || !strings.Contains(errOut.String(), "terraform/modules/m/README.md has no generated tables") {
		t.Fatalf("README without markers: exit %d, stderr %q", code, errOut.String())
	}
}

// Help goes to stdout with exit 0 (so `moduledocs --help | less` shows it);
// a bad flag exits 2 pointing at --help.
func TestHelpAndBadFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(&out, &errOut, []string{"--help"}); code != 0 || !strings.Contains(out.String(), "Usage: moduledocs") || errOut.Len() != 0 {
		t.Fatalf("--help: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := Run(&out, &errOut, []string{"--nope"}); code != 2 || !strings.Contains(errOut.String(), "moduledocs --help") {
		t.Fatalf("--nope: exit %d, stderr %q", code, errOut.String())
	}
}

// TestHelpGolden pins moduledocs --help; refresh with -update.
func TestHelpGolden(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(&out, &errOut, []string{"--help"}); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	golden.Check(t, "help-moduledocs", out.Bytes())
}

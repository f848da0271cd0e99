package moduledocs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const variablesTF = `variable "name" {
  description = <<-EOT
    Name of | everything,
    across lines.
  EOT
  type        = string
}

variable "brokers" {
  description = "One object per broker."
  type = list(object({
    broker_id = number
    zone_id   = optional(string)
  }))
  default = []
}

variable "secret" {
  type      = string
  default   = null
  sensitive = true
}
`

const outputsTF = `output "id" {
  description = "The ID."
  value       = var.name
}

output "token" {
  value     = var.secret
  sensitive = true
}
`

// moreTF sorts after outputs.tf and variables.tf: the order is file by file.
const moreTF = `variable "zeta" {
  description = "Declared in a later file."
  type        = map(string)
  default     = { a = "b" }
}
`

const readme = "# m\n\nProse stays.\n\n## Inputs\n\n" + BeginInputs + "\nstale\n" + EndInputs + "\n\n## Outputs\n\n" + BeginOutputs + "\n" + EndOutputs + "\n\nMore prose.\n"

func module(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"variables.tf": variablesTF, "outputs.tf": outputsTF, "z.tf": moreTF, "README.md": readme} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTables(t *testing.T) {
	in, out, err := Tables(module(t))
	if err != nil {
		t.Fatal(err)
	}
	wantIn := "| Name | Type | Default | Description |\n|---|---|---|---|\n" +
		"| `name` | `string` | required | Name of \\| everything, across lines. |\n" +
		"| `brokers` | `list(object({ broker_id = number, zone_id = optional(string) }))` | `[]` | One object per broker. |\n" +
		"| `secret` | `string` | `null` | Sensitive. |\n" +
		"| `zeta` | `map(string)` | `{\"a\":\"b\"}` | Declared in a later file. |\n"
	if in != wantIn {
		t.Errorf("inputs:\n%s\nwant:\n%s", in, wantIn)
	}
	wantOut := "| Name | Description |\n|---|---|\n" +
		"| `id` | The ID. |\n" +
		"| `token` | Sensitive. |\n"
	if out != wantOut {
		t.Errorf("outputs:\n%s\nwant:\n%s", out, wantOut)
	}
}

func TestRenderKeepsProseAndRefusesBadMarkers(t *testing.T) {
	got, err := Render([]byte(readme), "IN\n", "OUT\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# m\n\nProse stays.\n\n## Inputs\n\n" + BeginInputs + "\nIN\n" + EndInputs + "\n\n## Outputs\n\n" + BeginOutputs + "\nOUT\n" + EndOutputs + "\n\nMore prose.\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	again, err := Render(got, "IN\n", "OUT\n")
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("rendering twice must change nothing: %v\n%s", err, again)
	}

	if _, err := Render([]byte("# m\nno markers\n"), "", ""); !errors.Is(err, ErrNoMarkers) {
		t.Errorf("no markers: %v, want ErrNoMarkers", err)
	}
	for name, doc := range map[string]string{
		"outputs missing":  BeginInputs + "\n" + EndInputs + "\n",
		"end before begin": EndInputs + "\n" + BeginInputs + "\n" + BeginOutputs + "\n" + EndOutputs + "\n",
		"begin twice":      BeginInputs + "\n" + BeginInputs + "\n" + EndInputs + "\n" + BeginOutputs + "\n" + EndOutputs + "\n",
	} {
		if _, err := Render([]byte(doc), "", ""); err == nil || errors.Is(err, ErrNoMarkers) {
			t.Errorf("%s: err = %v, want an error naming the marker", name, err)
		}
	}
}

// TestCheckCatchesDrift: after Update the README is current; a changed
// description, a new variable or a removed output each make it stale, with
// the line that differs; Update makes it current again.
func TestCheckCatchesDrift(t *testing.T) {
	dir := module(t)
	st, err := Check(dir)
	if err != nil || !st.Stale {
		t.Fatalf("the stale starting README must be reported: %+v, %v", st, err)
	}
	if changed, err := Update(dir); err != nil || !changed {
		t.Fatalf("Update: changed=%v err=%v", changed, err)
	}
	if st, err := Check(dir); err != nil || st.Stale {
		t.Fatalf("after Update: %+v, %v", st, err)
	}
	if changed, err := Update(dir); err != nil || changed {
		t.Fatalf("a second Update must change nothing: changed=%v err=%v", changed, err)
	}

	edits := map[string]func(t *testing.T){
		"description changed": func(t *testing.T) {
			rewrite(t, filepath.Join(dir, "variables.tf"), "One object per broker.", "One object per broker path.")
		},
		"variable added": func(t *testing.T) {
			appendTo(t, filepath.Join(dir, "z.tf"), "\nvariable \"new_one\" {\n  type = bool\n  default = false\n}\n")
		},
		"output removed": func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "outputs.tf"), []byte(outputsTF[:strings.Index(outputsTF, "output \"token\"")]), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			edit(t)
			st, err := Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Stale || !strings.Contains(st.Diff, "README.md line ") {
				t.Fatalf("drift not reported: %+v", st)
			}
			if _, err := Update(dir); err != nil {
				t.Fatal(err)
			}
			if st, _ := Check(dir); st.Stale {
				t.Fatalf("still stale after Update: %s", st.Diff)
			}
		})
	}
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s lacks %q (%v)", path, old, err)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// Package moduledocs writes a Terraform module's input and output tables
// into its README.md, between markers, from the HCL itself (read with
// hashicorp/terraform-config-inspect), so the tables cannot drift from
// variables.tf and outputs.tf. `make docs` rewrites them; the gate's docs
// check fails when a README's tables are not what they would be.
package moduledocs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-config-inspect/tfconfig"
)

// The markers around each generated table. Everything between a begin and
// its end marker belongs to the generator; everything else is prose.
const (
	BeginInputs  = "<!-- BEGIN_TF_INPUTS: generated from the HCL by `make docs`; do not edit -->"
	EndInputs    = "<!-- END_TF_INPUTS -->"
	BeginOutputs = "<!-- BEGIN_TF_OUTPUTS: generated from the HCL by `make docs`; do not edit -->"
	EndOutputs   = "<!-- END_TF_OUTPUTS -->"
)

// Fix is what to run when a README is stale.
const Fix = "make docs"

// ErrNoMarkers: the README has neither table's markers.
var ErrNoMarkers = errors.New("README.md has no generated tables")

// Tables renders the module in dir: its inputs and outputs as Markdown
// tables, in the order they are declared (file by file, top to bottom).
func Tables(dir string) (inputs, outputs string, err error) {
	mod, diags := tfconfig.LoadModule(dir)
	if diags.HasErrors() {
		return "", "", fmt.Errorf("read the module in %s: %w", dir, diags.Err())
	}

	vars := make([]*tfconfig.Variable, 0, len(mod.Variables))
	for _, v := range mod.Variables {
		vars = append(vars, v)
	}
	sort.Slice(vars, func(i, j int) bool { return before(vars[i].Pos, vars[j].Pos) })
	var in strings.Builder
	if len(vars) == 0 {
		in.WriteString("This module has no inputs.\n")
	} else {
		in.WriteString("| Name | Type | Default | Description |\n|---|---|---|---|\n")
		for _, v := range vars {
			def := "required"
			if !v.Required {
				b, err := json.Marshal(v.Default)
				if err != nil {
					return "", "", fmt.Errorf("%s: variable %q: default: %w", v.Pos.Filename, v.Name, err)
				}
				def = code(string(b))
			}
			desc := v.Description
			if v.Sensitive {
				desc = strings.TrimSpace(desc + " Sensitive.")
			}
			typ := v.Type
			if typ == "" {
				typ = "any"
			}
			fmt.Fprintf(&in, "| `%s` | %s | %s | %s |\n", v.Name, code(typ), def, cell(desc))
		}
	}

	outs := make([]*tfconfig.Output, 0, len(mod.Outputs))
	for _, o := range mod.Outputs {
		outs = append(outs, o)
	}
	sort.Slice(outs, func(i, j int) bool { return before(outs[i].Pos, outs[j].Pos) })
	var out strings.Builder
	if len(outs) == 0 {
		out.WriteString("This module has no outputs.\n")
	} else {
		out.WriteString("| Name | Description |\n|---|---|\n")
		for _, o := range outs {
			desc := o.Description
			if o.Sensitive {
				desc = strings.TrimSpace(desc + " Sensitive.")
			}
			fmt.Fprintf(&out, "| `%s` | %s |\n", o.Name, cell(desc))
		}
	}
	return in.String(), out.String(), nil
}

func before(a, b tfconfig.SourcePos) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Line < b.Line
}

// cell makes text fit one Markdown table cell: one line, pipes escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// code is s as inline code in a table cell (a type or a JSON default).
func code(s string) string {
	s = oneLine(s)
	fence := "`"
	if strings.Contains(s, "`") {
		fence = "``"
		s = " " + s + " "
	}
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}

// oneLine joins a multi-line type expression the way it would be written on
// one line: object attributes on separate lines get commas between them.
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if n := len(parts); n > 0 {
			prev := parts[n-1]
			if !strings.HasSuffix(prev, "{") && !strings.HasSuffix(prev, "(") && !strings.HasSuffix(prev, ",") &&
				!strings.HasPrefix(line, "}") && !strings.HasPrefix(line, ")") {
				parts[n-1] = prev + ","
			}
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, " ")
}

// Render returns readme with the generated tables put between their markers.
// A README must carry both marker pairs, each once, begin before end.
func Render(readme []byte, inputs, outputs string) ([]byte, error) {
	hasIn := bytes.Contains(readme, []byte(BeginInputs))
	hasOut := bytes.Contains(readme, []byte(BeginOutputs))
	if !hasIn && !hasOut {
		return nil, ErrNoMarkers
	}
	out, err := replace(readme, BeginInputs, EndInputs, inputs)
	if err != nil {
		return nil, err
	}
	return replace(out, BeginOutputs, EndOutputs, outputs)
}

func replace(doc []byte, begin, end, body string) ([]byte, error) {
	if n := bytes.Count(doc, []byte(begin)); n != 1 {
		return nil, fmt.Errorf("README.md must have the line %s exactly once (found %d)", begin, n)
	}
	if n := bytes.Count(doc, []byte(end)); n != 1 {
		return nil, fmt.Errorf("README.md must have the line %s exactly once (found %d)", end, n)
	}
	i := bytes.Index(doc, []byte(begin)) + len(begin)
	j := bytes.Index(doc, []byte(end))
	if j < i {
		return nil, fmt.Errorf("README.md has %s before %s", end, begin)
	}
	var b bytes.Buffer
	b.Write(doc[:i])
	b.WriteString("\n")
	b.WriteString(body)
	b.Write(doc[j:])
	return b.Bytes(), nil
}

// Status is one module README's state.
type Status struct {
	Dir string
	// Stale says the README's tables differ from the HCL; Diff names the
	// first differing line.
	Stale bool
	Diff  string
}

// Check compares dir/README.md with what Update would write.
func Check(dir string) (Status, error) {
	st := Status{Dir: dir}
	have, want, err := plan(dir)
	if err != nil {
		return st, err
	}
	if !bytes.Equal(have, want) {
		st.Stale = true
		st.Diff = firstDiff(have, want)
	}
	return st, nil
}

// Update rewrites dir/README.md's tables; changed says whether it had to.
func Update(dir string) (changed bool, err error) {
	have, want, err := plan(dir)
	if err != nil || bytes.Equal(have, want) {
		return false, err
	}
	path := filepath.Join(dir, "README.md")
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return true, os.WriteFile(path, want, fi.Mode().Perm())
}

func plan(dir string) (have, want []byte, err error) {
	have, err = os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		return nil, nil, err
	}
	in, out, err := Tables(dir)
	if err != nil {
		return nil, nil, err
	}
	want, err = Render(have, in, out)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "README.md"), err)
	}
	return have, want, nil
}

// firstDiff describes the first line where have and want differ.
func firstDiff(have, want []byte) string {
	h := strings.Split(string(have), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < len(h) || i < len(w); i++ {
		var hl, wl string
		if i < len(h) {
			hl = h[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if hl != wl {
			return fmt.Sprintf("README.md line %d:\n  have: %s\n  want: %s", i+1, clip(hl), clip(wl))
		}
	}
	return ""
}

func clip(s string) string {
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}

// Dirs are the roots whose README.md must carry generated tables: every
// directory with .tf files under ROOT/terraform/modules (the reusable
// modules) and ROOT/terraform/examples (the root configurations operators
// apply).
func Dirs(root string) ([]string, error) {
	var dirs []string
	for _, kind := range []string{"modules", "examples"} {
		m, err := filepath.Glob(filepath.Join(root, "terraform", kind, "*"))
		if err != nil {
			return nil, err
		}
		for _, d := range m {
			if tfs, _ := filepath.Glob(filepath.Join(d, "*.tf")); len(tfs) > 0 {
				dirs = append(dirs, d)
			}
		}
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no modules under %s", filepath.Join(root, "terraform", "modules"))
	}
	return dirs, nil
}

package terraform

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The example's test plans "tfvars_example_plans_with_databricks_principal"
// with exactly terraform.tfvars.example's values: this keeps the two equal, so
// the plan test speaks for the file users copy.
func TestTfvarsExampleRun(t *testing.T) {
	tfvars := attrs(t, "examples/complete/terraform.tfvars.example", parse(t, "examples/complete/terraform.tfvars.example").Body)

	test := parse(t, "examples/complete/tests/example.tftest.hcl").Body.(*hclsyntax.Body)
	var fileVars map[string]string
	var runVars map[string]string
	for _, b := range test.Blocks {
		switch {
		case b.Type == "variables":
			fileVars = attrs(t, "file-level variables", b.Body)
		case b.Type == "run" && len(b.Labels) == 1 && b.Labels[0] == "tfvars_example_plans_with_databricks_principal":
			for _, inner := range b.Body.Blocks {
				if inner.Type == "variables" {
					runVars = attrs(t, "run variables", inner.Body)
				}
			}
		}
	}
	if runVars == nil {
		t.Fatal(`example.tftest.hcl has no run "tfvars_example_plans_with_databricks_principal" with a variables block`)
	}
	for name, v := range tfvars {
		if runVars[name] != v {
			t.Errorf("%s = %s in terraform.tfvars.example, but %q in the run: copy it into the run", name, v, runVars[name])
		}
	}
	for name, v := range runVars {
		if _, ok := tfvars[name]; ok {
			continue
		}
		if _, file := fileVars[name]; !file || v != "null" {
			t.Errorf("the run sets %s = %s, which terraform.tfvars.example does not: only file-level variables, reset to null, may be extra", name, v)
		}
	}
	for name := range fileVars {
		if _, ok := runVars[name]; !ok {
			t.Errorf("the run inherits the file-level %s, which terraform.tfvars.example does not set: reset it to null in the run", name)
		}
	}
	if _, ok := tfvars["allowed_principals"]; ok {
		t.Errorf("terraform.tfvars.example sets allowed_principals: a copied placeholder overrides the Databricks serverless principal")
	}
}

func parse(t *testing.T, path string) *hcl.File {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return f
}

// attrs maps each attribute to its expression's source text, spaces removed.
func attrs(t *testing.T, what string, body hcl.Body) map[string]string {
	t.Helper()
	sb := body.(*hclsyntax.Body)
	out := map[string]string{}
	for name, a := range sb.Attributes {
		r := a.Expr.Range()
		src, err := os.ReadFile(r.Filename)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out[name] = strings.Join(strings.Fields(string(src[r.Start.Byte:r.End.Byte])), "")
	}
	return out
}

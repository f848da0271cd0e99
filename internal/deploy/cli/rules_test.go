package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
	"github.com/mskvpce/mskvpce/internal/deploy"
)

// One table of bad input values (testdata/bad_inputs.json) says each input
// rule once for three places that must agree: deploy's own checks (here),
// the root modules terraform/examples/complete and
// terraform/examples/existing-cluster (each the inputs it has) and the module
// terraform/modules/msk-vpce (generated terraform tests: each run sets one
// bad value of each of several variables, expect_failures on each). A value one of them lets through — e.g.
// a prefix the module rejects only at plan — fails here or in
// `terraform test`. After editing the table: go test ./internal/deploy/cli -run TestBadInputs -update.

type badInput struct {
	Name  string `json:"name"`
	Var   string `json:"var"`
	Value any    `json:"value"`
	// NotInModule says why terraform/modules/msk-vpce accepts the value.
	NotInModule string `json:"not_in_module"`
}

func loadBadInputs(t *testing.T) []badInput {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bad_inputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tab []badInput
	if err := json.Unmarshal(b, &tab); err != nil {
		t.Fatalf("testdata/bad_inputs.json: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range tab {
		if e.Name == "" || seen[e.Name] {
			t.Fatalf("testdata/bad_inputs.json: entry %+v: want a unique name", e)
		}
		seen[e.Name] = true
	}
	return tab
}

func TestBadInputsRejectedByDeploy(t *testing.T) {
	t.Parallel()
	for _, e := range loadBadInputs(t) {
		t.Run(e.Name, func(t *testing.T) {
			in, ok := deploy.LookupInput(e.Var)
			if !ok {
				t.Fatalf("%s is not a deploy input", e.Var)
			}
			var v any
			switch x := e.Value.(type) {
			case string:
				v = x
			case float64:
				v = json.Number(fmt.Sprint(x))
			case []any:
				l := []string{}
				for _, it := range x {
					l = append(l, fmt.Sprint(it))
				}
				v = l
			default:
				t.Fatalf("value %v: want a string, number or list of strings", e.Value)
			}
			if err := deploy.CheckValue(in, v, "test"); err == nil {
				t.Errorf("deploy accepts %s = %s; the Terraform variable rejects it (or should)", e.Var, hclLiteral(t, e.Value))
			}
		})
	}
}

// The mocks and valid inputs each generated test starts from: the rest of
// the configuration must plan, so that the one bad value is what fails.
const (
	exampleHeader = `mock_provider "aws" {
  source = "./tests/mocks/aws"
}

mock_provider "databricks" {
  alias = "account"
}

mock_provider "databricks" {
  alias = "workspace"
}

variables {
  region             = "us-east-1"
  cidr_block         = "172.18.0.0/16"
  prefix             = "my-msk-vpce"
  user_name          = "your.name@company.com"
  allowed_principals = ["arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1"]
}
`
	existingHeader = `mock_provider "aws" {
  source = "./tests/mocks/aws"
}

mock_provider "databricks" {
  alias = "account"
}

mock_provider "databricks" {
  alias = "workspace"
}

variables {
  region             = "us-east-1"
  cluster_arn        = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  prefix             = "orders-dbx"
  user_name          = "your.name@company.com"
  allowed_principals = ["arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1"]
}
`
	moduleHeader = `mock_provider "aws" {
  source = "./tests/mocks/aws"
}

variables {
  prefix             = "test"
  cidr_block         = "10.42.0.0/16"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}
`
)

var (
	reVariable = regexp.MustCompile(`(?m)^variable "([a-z0-9_]+)"`)
	reVarRef   = regexp.MustCompile(`\bvar\.([a-z0-9_]+)`)
)

// variableRefs maps each variable declared in src to the other variables its
// block (validations included) refers to.
func variableRefs(src string) map[string]map[string]bool {
	refs := map[string]map[string]bool{}
	locs := reVariable.FindAllStringSubmatchIndex(src, -1)
	for i, loc := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		name := src[loc[2]:loc[3]]
		refs[name] = map[string]bool{}
		for _, m := range reVarRef.FindAllStringSubmatch(src[loc[1]:end], -1) {
			if m[1] != name {
				refs[name][m[1]] = true
			}
		}
	}
	return refs
}

// TestBadInputsTerraformTests keeps the generated terraform tests in step
// with the table (-update rewrites them); `terraform test` runs them.
func TestBadInputsTerraformTests(t *testing.T) {
	t.Parallel()
	tab := loadBadInputs(t)
	for _, dir := range []struct{ path, header string }{
		{"../../../terraform/examples/complete", exampleHeader},
		{"../../../terraform/examples/existing-cluster", existingHeader},
		{"../../../terraform/modules/msk-vpce", moduleHeader},
	} {
		src, err := os.ReadFile(filepath.Join(dir.path, "variables.tf"))
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]bool{}
		for _, m := range reVariable.FindAllStringSubmatch(string(src), -1) {
			vars[m[1]] = true
		}
		var b strings.Builder
		b.WriteString("# Code generated by `go test ./internal/deploy/cli -run TestBadInputs -update` from\n" +
			"# internal/deploy/cli/testdata/bad_inputs.json, which deploy's own checks run too. DO NOT EDIT.\n\n")
		b.WriteString(dir.header)
		var applies []badInput
		for _, e := range tab {
			in, _ := deploy.LookupInput(e.Var)
			if !vars[e.Var] || (e.NotInModule != "" && strings.HasSuffix(dir.path, "msk-vpce")) {
				for _, root := range []string{deploy.RootComplete, deploy.RootExisting} {
					if strings.HasSuffix(dir.path, root) && in.ForRoot(root) {
						t.Errorf("%s: no variable %q for entry %s", dir.path, e.Var, e.Name)
					}
				}
				continue // an input of a root module only, or of the other root
			}
			applies = append(applies, e)
		}
		if len(applies) == 0 {
			t.Errorf("%s: no entry of the table applies", dir.path)
		}
		for i, round := range badInputRounds(applies, variableRefs(string(src))) {
			writeBadInputRun(t, &b, i+1, round)
		}
		golden.File(t, filepath.Join(dir.path, "tests", "bad_inputs.tftest.hcl"), []byte(b.String()))
	}
}

// badInputRounds deals the entries into runs: the k-th bad value of every
// variable goes to run k, so a run sets one bad value of each of several
// variables and expects each of them to fail (terraform evaluates every
// variable's validation; one plan per run, not one per value, is what keeps
// `terraform test` short). A variable whose block reads another variable of
// the table (refs) gets a run per value of its own: in a shared run the other
// variable's bad value could fail its validation in its own value's place.
func badInputRounds(entries []badInput, refs map[string]map[string]bool) [][]badInput {
	inTable := map[string]bool{}
	for _, e := range entries {
		inTable[e.Var] = true
	}
	readsTable := func(v string) bool {
		for r := range refs[v] {
			if inTable[r] {
				return true
			}
		}
		return false
	}
	var rounds, alone [][]badInput
	nth := map[string]int{}
	for _, e := range entries {
		if readsTable(e.Var) {
			alone = append(alone, []badInput{e})
			continue
		}
		k := nth[e.Var]
		nth[e.Var]++
		if k == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[k] = append(rounds[k], e)
	}
	return append(rounds, alone...)
}

// writeBadInputRun writes one run as `terraform fmt` lays it out: the
// variables' equals signs aligned, the cases named in a comment.
func writeBadInputRun(t *testing.T, b *strings.Builder, n int, round []badInput) {
	t.Helper()
	width := 0
	var names, expect []string
	for _, e := range round {
		width = max(width, len(e.Var))
		names = append(names, e.Name)
		expect = append(expect, "var."+e.Var)
	}
	fmt.Fprintf(b, "\n# %s\nrun \"rejects_bad_values_%d\" {\n  command = plan\n  variables {\n", strings.Join(names, ", "), n)
	for _, e := range round {
		fmt.Fprintf(b, "    %-*s = %s\n", width, e.Var, hclLiteral(t, e.Value))
	}
	fmt.Fprintf(b, "  }\n  expect_failures = [%s]\n}\n", strings.Join(expect, ", "))
}

// hclLiteral writes v as an HCL literal: JSON strings, numbers and lists are
// HCL too, as long as no string holds a template sequence.
func hclLiteral(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil || strings.Contains(string(b), "${") || strings.Contains(string(b), "%{") {
		t.Fatalf("value %v cannot be written as an HCL literal", v)
	}
	return strings.ReplaceAll(string(b), ",", ", ")
}

// TestBadInputRounds: the k-th value of each variable shares run k; a
// variable that reads another variable of the table runs each value alone.
func TestBadInputRounds(t *testing.T) {
	t.Parallel()
	e := func(v, name string) badInput { return badInput{Var: v, Name: name} }
	refs := map[string]map[string]bool{"c": {"a": true}, "b": {"elsewhere": true}}
	got := badInputRounds([]badInput{e("a", "a1"), e("b", "b1"), e("a", "a2"), e("c", "c1"), e("c", "c2")}, refs)
	var names [][]string
	for _, r := range got {
		var n []string
		for _, x := range r {
			n = append(n, x.Name)
		}
		names = append(names, n)
	}
	want := [][]string{{"a1", "b1"}, {"a2"}, {"c1"}, {"c2"}}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("rounds %v, want %v", names, want)
	}
}

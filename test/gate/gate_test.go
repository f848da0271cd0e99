// Package gate proves the offline Terraform gate (tools/cmd/tfgate, run by
// `make validate`) bites: a copy of the msk-vpce module passes, and each
// injected defect fails the check that must catch it, with the message that
// names it.
package gate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	mskterraform "github.com/mskvpce/mskvpce/terraform"
)

const module = "msk-vpce"

// goodTest and badTest are terraform test files: a plan with valid inputs,
// and the same plan with a cidr_block that violates the variable's validation.
const testFile = `mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
      zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"]
    }
  }
}

variables {
  prefix             = "gate"
  cidr_block         = %q
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "gate_plan" {
  command = plan
}
`

type defect struct {
	name string
	// checks the gate runs on the copy; only those the case needs.
	checks string
	// inject changes the module copy in dir.
	inject func(t *testing.T, dir string)
	// wantFail is the check that must fail ("" = the gate must pass).
	wantFail string
	// wantOutput must all appear in the gate's output.
	wantOutput []string
}

func TestGateBites(t *testing.T) {
	root := repoRoot(t)
	ensureTools(t, root)

	cases := []defect{
		{
			name:   "pristine",
			checks: "validate,test,trivy",
			inject: func(t *testing.T, dir string) {
				replaceTests(t, dir, fmt.Sprintf(testFile, "10.42.0.0/16"))
			},
		},
		{
			name:   "typo in an attribute name",
			checks: "validate",
			inject: func(t *testing.T, dir string) {
				insertIntoResource(t, dir, "aws_vpc", "enable_dns_suport = true")
			},
			wantFail:   "validate",
			wantOutput: []string{"Unsupported argument", `"enable_dns_suport" is not expected here`},
		},
		{
			name:   "wrong attribute type",
			checks: "validate",
			inject: func(t *testing.T, dir string) {
				insertIntoResource(t, dir, "aws_vpc", `assign_generated_ipv6_cidr_block = ["yes"]`)
			},
			wantFail:   "validate",
			wantOutput: []string{"Incorrect attribute value type", `Inappropriate value for attribute "assign_generated_ipv6_cidr_block": bool required`},
		},
		{
			name:   "ingress open to 0.0.0.0/0",
			checks: "trivy",
			inject: func(t *testing.T, dir string) {
				sg := firstResourceName(t, dir, "aws_security_group")
				writeFile(t, filepath.Join(dir, "injected.tf"), fmt.Sprintf(`resource "aws_vpc_security_group_ingress_rule" "injected_open" {
  security_group_id = aws_security_group.%s.id
  description       = "Kafka from anywhere (injected defect)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 9098
  to_port           = 9098
}
`, sg))
			},
			wantFail:   "trivy",
			wantOutput: []string{"MSKVPCE-0001 (CRITICAL)", "Security group ingress from 0.0.0.0/0", "aws_vpc_security_group_ingress_rule.injected_open"},
		},
		{
			name:   "variable value violating its validation",
			checks: "test",
			inject: func(t *testing.T, dir string) {
				replaceTests(t, dir, fmt.Sprintf(testFile, "10.42.0.0/33"))
			},
			wantFail:   "test",
			wantOutput: []string{"Invalid value for variable", "var.cidr_block"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			modules := copyModules(t, root)
			dir := filepath.Join(modules, module)
			tc.inject(t, dir)

			out, code := runGate(t, root, tc.checks, dir)
			failed := failedChecks(out)
			if tc.wantFail == "" {
				if code != 0 || len(failed) > 0 {
					t.Fatalf("the gate failed %v on the pristine module (exit %d):\n%s", failed, code, out)
				}
				for _, check := range strings.Split(tc.checks, ",") {
					if !regexp.MustCompile(`(?m)^PASS  ` + check + ` `).MatchString(out) {
						t.Errorf("check %s did not report PASS:\n%s", check, out)
					}
				}
				return
			}
			if code != 1 {
				t.Fatalf("gate exit code = %d, want 1 (a check failed):\n%s", code, out)
			}
			if len(failed) != 1 || failed[0] != tc.wantFail {
				t.Fatalf("failed checks = %v, want exactly [%s]:\n%s", failed, tc.wantFail, out)
			}
			if !strings.Contains(out, "FAILED "+tc.wantFail+" in "+dir) {
				t.Errorf("the gate's summary does not name the failing check and directory (%s in %s):\n%s", tc.wantFail, dir, out)
			}
			flat := joinWrapped(out)
			for _, want := range tc.wantOutput {
				if !strings.Contains(flat, want) {
					t.Errorf("gate output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

var wrapped = regexp.MustCompile(`\s*\n\s*(\|\s*)?`)

// joinWrapped joins the gate's indented, terminal-wrapped output into one
// line, so a message is found wherever Terraform wrapped it.
func joinWrapped(out string) string { return wrapped.ReplaceAllString(out, " ") }

var failLine = regexp.MustCompile(`(?m)^FAIL  (\S+)\s`)

func failedChecks(out string) []string {
	var checks []string
	for _, m := range failLine.FindAllStringSubmatch(out, -1) {
		checks = append(checks, m[1])
	}
	return checks
}

func runGate(t *testing.T, root, checks, dir string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(root, "bin", "tfgate"),
		"-root", root, "-checks", checks, "-scan", dir, "-j", "1", dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		if exit.ExitCode() == 2 {
			t.Fatalf("tfgate could not run (usage error or missing tool):\n%s", out.String())
		}
		return out.String(), exit.ExitCode()
	}
	t.Fatalf("run tfgate: %v\n%s", err, out.String())
	return "", 0
}

// repoRoot is the directory holding the main go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/mskvpce/mskvpce\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the repository root (go.mod of github.com/mskvpce/mskvpce) above the test directory")
		}
		dir = parent
	}
}

var (
	toolsOnce sync.Once
	toolsErr  error
)

// ensureTools brings the gate's tools in bin/ up to date with `make
// gate-tools` (incremental: a no-op when make test has just built them), so
// the test never runs a stale or missing gate.
func ensureTools(t *testing.T, root string) {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatalf("terraform is not on PATH: the gate needs Terraform %s (see .ci/run)", mskterraform.Version)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not on PATH: it builds the gate's tools (apt-get install make)")
	}
	toolsOnce.Do(func() {
		out, err := exec.Command("make", "-s", "-C", root, "gate-tools").CombinedOutput()
		if err != nil {
			toolsErr = fmt.Errorf("`make gate-tools` failed, so the gate cannot run: %w\n%s", err, out)
		}
	})
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
}

// copyModules copies terraform/modules (the module under test calls its
// siblings by relative path) to a temporary directory, without .terraform.
func copyModules(t *testing.T, root string) string {
	t.Helper()
	src := filepath.Join(root, "terraform", "modules")
	if _, err := os.Stat(filepath.Join(src, module)); err != nil {
		t.Fatalf("module to break is missing: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "modules")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(d.Name(), ".tfstate") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceTests makes content the module copy's only terraform test file, so
// the test check runs one plan instead of the module's whole suite.
func replaceTests(t *testing.T, dir, content string) {
	t.Helper()
	tests := filepath.Join(dir, "tests")
	if err := os.RemoveAll(tests); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(tests, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tests, "gate.tftest.hcl"), content)
}

var resourceHeader = regexp.MustCompile(`(?m)^resource "([a-z0-9_]+)" "([A-Za-z0-9_-]+)" \{\n`)

// findResource returns the file and the header match of the first resource
// of type typ in dir.
func findResource(t *testing.T, dir, typ string) (string, []byte, []int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resourceHeader.FindAllSubmatchIndex(b, -1) {
			if string(b[m[2]:m[3]]) == typ {
				return f, b, m
			}
		}
	}
	t.Fatalf("module %s has no resource %q to inject into: update the gate test", dir, typ)
	return "", nil, nil
}

func firstResourceName(t *testing.T, dir, typ string) string {
	_, b, m := findResource(t, dir, typ)
	return string(b[m[4]:m[5]])
}

// insertIntoResource adds line as the first argument of the first resource
// of type typ.
func insertIntoResource(t *testing.T, dir, typ, line string) {
	t.Helper()
	f, b, m := findResource(t, dir, typ)
	attr := strings.Fields(line)[0]
	if bytes.Contains(b, []byte(attr+" ")) {
		t.Fatalf("%s already sets %s; the injected line would be a duplicate: update the gate test", f, attr)
	}
	out := append(append(append([]byte{}, b[:m[1]]...), []byte("  "+line+"\n")...), b[m[1]:]...)
	writeFile(t, f, string(out))
}

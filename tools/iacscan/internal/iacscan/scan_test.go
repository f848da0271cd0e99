package iacscan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// projectChecks is the gate's own Rego checks (MSKVPCE-*).
const projectChecks = "../../../trivy/checks"

// openSSH fails trivy's embedded AWS-0107 (HIGH: ingress from the internet
// to SSH) and the project's MSKVPCE-0001 (CRITICAL: any public ingress);
// silenced is the same rule with both ignored inline.
const openSSH = `resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "ssh"
}

resource "aws_vpc_security_group_ingress_rule" "open" {
  security_group_id = aws_security_group.ssh.id
  description       = "ssh from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}

#trivy:ignore:MSKVPCE-0001 test: an ignore must silence the project's check
#trivy:ignore:AWS-0107 test: and an embedded one
resource "aws_vpc_security_group_ingress_rule" "silenced" {
  security_group_id = aws_security_group.ssh.id
  description       = "ssh from anywhere, ignored"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}
`

func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ids(fs []Finding) map[string]Finding {
	m := map[string]Finding{}
	for _, f := range fs {
		m[f.ID+" "+f.Resource] = f
	}
	return m
}

func TestScanEmbeddedAndProjectChecks(t *testing.T) {
	t.Parallel()
	// In a subdirectory: trivy config finds root modules anywhere below DIR.
	dir := writeModule(t, map[string]string{"net/main.tf": openSSH, "README.md": "not Terraform"})
	rep, err := Scan(context.Background(), dir, Options{Checks: []string{projectChecks}, Namespaces: []string{"user"}})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(rep.Failures)
	for key, sev := range map[string]string{
		"AWS-0107 aws_vpc_security_group_ingress_rule.open":     "HIGH",
		"MSKVPCE-0001 aws_vpc_security_group_ingress_rule.open": "CRITICAL",
	} {
		f, ok := got[key]
		if !ok {
			t.Errorf("no failure %s; got %v", key, rep.Failures)
			continue
		}
		if f.Severity != sev || f.File != "net/main.tf" || f.StartLine != 9 {
			t.Errorf("%s = %+v, want severity %s at net/main.tf:9", key, f, sev)
		}
	}
	for key := range got {
		if strings.HasSuffix(key, ".silenced") {
			t.Errorf("an inline #trivy:ignore did not silence %s", key)
		}
	}
	if rep.Ignored != 2 {
		t.Errorf("ignored = %d, want 2 (the silenced rule's two checks)", rep.Ignored)
	}
	if rep.Passed == 0 || rep.Files != 1 {
		t.Errorf("passed = %d, files = %d: want passing checks on the one file", rep.Passed, rep.Files)
	}
	if f := got["MSKVPCE-0001 aws_vpc_security_group_ingress_rule.open"]; f.Message != "Security group ingress from 0.0.0.0/0: open to the internet" || f.Namespace != "user.mskvpce.no_public_ingress" {
		t.Errorf("MSKVPCE-0001 message/namespace = %q/%q", f.Message, f.Namespace)
	}

	// Without the project's checks (or with them outside the namespaces) only
	// the embedded check fires: MSKVPCE-0001 comes from tools/trivy/checks.
	for name, opt := range map[string]Options{
		"no checks":       {},
		"other namespace": {Checks: []string{projectChecks}, Namespaces: []string{"other"}},
	} {
		rep, err := Scan(context.Background(), dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(rep.Failures)
		if _, ok := got["MSKVPCE-0001 aws_vpc_security_group_ingress_rule.open"]; ok {
			t.Errorf("%s: MSKVPCE-0001 fired", name)
		}
		if _, ok := got["AWS-0107 aws_vpc_security_group_ingress_rule.open"]; !ok {
			t.Errorf("%s: the embedded AWS-0107 did not fire: %v", name, rep.Failures)
		}
	}
}

func TestScanRefusesNothingToScan(t *testing.T) {
	t.Parallel()
	empty := writeModule(t, map[string]string{"notes.txt": "x", ".git/x.tf": `resource "a" "b" {}`})
	if _, err := Scan(context.Background(), empty, Options{}); !errors.Is(err, ErrNoTerraform) {
		t.Errorf("a directory without Terraform (outside .git): err = %v, want ErrNoTerraform", err)
	}
	if _, err := Scan(context.Background(), filepath.Join(empty, "nope"), Options{}); err == nil {
		t.Error("a missing directory: no error")
	}
	if _, err := Scan(context.Background(), filepath.Join(empty, "notes.txt"), Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: err = %v", err)
	}
	dir := writeModule(t, map[string]string{"main.tf": openSSH})
	if _, err := Scan(context.Background(), dir, Options{Checks: []string{filepath.Join(empty, "nope")}}); err == nil {
		t.Error("a missing checks directory: no error")
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, map[string]string{"main.tf": openSSH})
	empty := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		notInOut string
	}{
		{
			name: "gate invocation fails on the project's CRITICAL and the embedded HIGH",
			args: []string{"-severity", "HIGH,CRITICAL", "-checks", projectChecks, dir},
			code: ExitFindings,
			stdout: []string{
				"main.tf:9-9  MSKVPCE-0001 (CRITICAL)  Security group ingress open to the internet",
				"    Security group ingress from 0.0.0.0/0: open to the internet",
				"    resource: aws_vpc_security_group_ingress_rule.open",
				"AWS-0107 (HIGH)",
				": 2 HIGH,CRITICAL failure(s); 1 Terraform files,",
				"2 ignored inline",
			},
		},
		{
			name:     "a severity filter above the findings passes",
			args:     []string{"-severity", "CRITICAL", dir},
			code:     ExitOK,
			stdout:   []string{": 0 CRITICAL failure(s)"},
			notInOut: "AWS-0107",
		},
		{name: "unknown severity", args: []string{"-severity", "HIGH,SEVERE", dir}, code: ExitUsage, stderr: `unknown severity "SEVERE"`},
		{name: "no directory", args: nil, code: ExitUsage, stderr: "give at least one directory"},
		{name: "no Terraform", args: []string{empty}, code: ExitUsage, stderr: "no Terraform files"},
		{name: "bad format", args: []string{"-format", "yaml", dir}, code: ExitUsage, stderr: "want text or json"},
		{name: "unknown flag", args: []string{"-cache-dir", "x", dir}, code: ExitUsage, stderr: "flag provided but not defined"},
		{name: "help", args: []string{"-help"}, code: ExitOK, stdout: []string{"Usage: iacscan [flags] DIR...", "trivy 0.74.0", "-severity"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Run(context.Background(), &out, &errOut, tc.args)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errOut.String())
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			if tc.notInOut != "" && strings.Contains(out.String(), tc.notInOut) {
				t.Errorf("stdout has %q:\n%s", tc.notInOut, out.String())
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errOut.String())
			}
		})
	}
}

// The repository's own Terraform scans clean at the gate's severities, with
// the embedded checks evaluated (a scanner that ran nothing would pass too).
func TestRepositoryTerraformJSON(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), &out, &errOut, []string{"-severity", "HIGH,CRITICAL", "-checks", projectChecks, "-format", "json", "../../../../terraform"})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	var doc struct {
		Version      int
		TrivyVersion string `json:"trivy_version"`
		Reports      []Report
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if doc.Version != 1 || doc.TrivyVersion != "0.74.0" || len(doc.Reports) != 1 {
		t.Fatalf("document = %+v", doc)
	}
	rep := doc.Reports[0]
	if len(rep.Failures) != 0 || rep.Passed < 50 || rep.Ignored < 1 || rep.Files < 20 {
		t.Errorf("report = %d failures, %d passed, %d ignored, %d files: want none failing, the embedded checks passing, network.tf's ignore counted", len(rep.Failures), rep.Passed, rep.Ignored, rep.Files)
	}
}

func TestTrivyVersionIsGoMods(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/aquasecurity/trivy v(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("tools/iacscan/go.mod does not require github.com/aquasecurity/trivy")
	}
	if string(m[1]) != TrivyVersion {
		t.Errorf("tools/iacscan/go.mod requires trivy v%s, TrivyVersion is %s: set it to the go.mod version", m[1], TrivyVersion)
	}
}

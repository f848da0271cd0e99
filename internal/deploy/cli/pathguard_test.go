package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/pathguard"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// planFixture is one of the guard's plan fixtures
// (internal/pathguard/testdata/plans, real plans that test/day2 writes),
// uncompressed into a file of the test's.
func planFixture(t *testing.T, row string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "pathguard", "testdata", "plans", row+".json.gz"))
	if err != nil {
		t.Fatalf("no plan for row %s: %v", row, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), row+".json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// planAs is a terraform that is the real one, except that `terraform show
// -json` of a saved plan answers with the plan fixture: deploy then judges
// the fixture's changes while Terraform plans and applies the fixture tree.
// It records each subcommand it runs in the returned file.
func planAs(t *testing.T, fixture string) (wrapper, ran string) {
	t.Helper()
	real, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform %s must be on $PATH for the deploy tests: %v", tfrunner.Version, err)
	}
	dir := t.TempDir()
	ran = filepath.Join(dir, "ran")
	wrapper = filepath.Join(dir, "terraform")
	script := "#!/bin/sh\necho \"$1\" >> " + shellQuote(ran) + "\n" +
		"if [ \"$1\" = show ] && [ \"$2\" = -json ]; then exec cat " + shellQuote(fixture) + "; fi\n" +
		"exec " + shellQuote(real) + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper, ran
}

func ranApply(t *testing.T, ran string) bool {
	t.Helper()
	b, _ := os.ReadFile(ran)
	return strings.Contains(string(b), "apply\n")
}

// apply refuses, before asking and before Terraform applies anything, a
// plan that interrupts the path of a broker that stays: exit 2, the list.
// --allow-path-interruption applies the same plan.
func TestApplyRefusesAnInterruptedPath(t *testing.T) {
	t.Parallel()
	wrapper, ran := planAs(t, planFixture(t, "target-group-replaced"))
	h := newHarness(t)
	args := append([]string{"apply", "--yes", "--terraform", wrapper}, fixtureInputs...)
	r := h.run(args...)
	if r.code != ExitUsage {
		t.Fatalf("apply of a plan that interrupts broker 3: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitUsage, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"refusing to apply: this plan interrupts the data path of broker 3, which stays in the cluster:",
		`broker 3: target group: replaced (create before destroy)`,
		`[module.msk_vpce.module.privatelink.aws_lb_target_group.broker["3"]]`,
		"Nothing was applied.",
		"--allow-path-interruption",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "3       INTERRUPTED  ") || !strings.Contains(r.stdout, "Paths: 2 kept, 1 interrupted (broker 3).") {
		t.Errorf("stdout has no path table after the summary:\n%s", r.stdout)
	}
	if i, j := strings.Index(r.stdout, "Plan: "), strings.Index(r.stdout, "Broker paths"); i < 0 || j < i {
		t.Errorf("the path table does not follow Terraform's summary:\n%s", r.stdout)
	}
	if ranApply(t, ran) {
		t.Errorf("terraform apply ran after the refusal")
	}
	if b, err := os.ReadFile(filepath.Join(h.workdir(), "terraform.tfstate")); err == nil && strings.Contains(string(b), "terraform_data") {
		t.Errorf("state has resources after the refusal:\n%s", b)
	}

	r = h.run(append(args, "--allow-path-interruption")...)
	if r.code != ExitOK {
		t.Fatalf("apply --allow-path-interruption: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !ranApply(t, ran) || !strings.Contains(r.stderr, "interrupts the data path of broker 3; applying it anyway (--allow-path-interruption)") {
		t.Errorf("apply --allow-path-interruption did not apply, or did not say it applies an interruption\nstderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Check every broker path end to end") {
		t.Errorf("no next steps after the apply:\n%s", r.stdout)
	}
}

// A plan that keeps every path (after a reconciler re-pointed a target) is
// applied without the flag.
func TestApplyKeepsQuietWhenEveryPathSurvives(t *testing.T) {
	t.Parallel()
	wrapper, ran := planAs(t, planFixture(t, "target-repointed"))
	h := newHarness(t)
	r := h.run(append([]string{"apply", "--yes", "--terraform", wrapper}, fixtureInputs...)...)
	if r.code != ExitOK || !ranApply(t, ran) {
		t.Fatalf("apply: exit %d, applied %v\nstdout:\n%s\nstderr:\n%s", r.code, ranApply(t, ran), r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "target follows the broker from 10.0.64.12:9098 to 10.0.64.99:9098") || strings.Contains(r.stderr, "interrupt") {
		t.Errorf("stdout should show the move, stderr nothing about an interruption\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// deploy plan and deploy check-plan give the same verdicts for the same
// plan, in text and JSON; check-plan's exit code is the verdict.
func TestPlanAndCheckPlanAgree(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		row  string
		code int
	}{
		{"target-repointed", ExitOK},
		{"broker-count-3-to-6", ExitOK},
		{"endpoint-service-replaced", ExitFailed},
		{"nlb-security-group-replaced", ExitFailed},
	} {
		t.Run(tc.row, func(t *testing.T) {
			t.Parallel()
			fixture := planFixture(t, tc.row)
			wrapper, _ := planAs(t, fixture)
			h := newHarness(t)
			plan := h.must(append([]string{"plan", "--terraform", wrapper}, fixtureInputs...)...)
			planJS := h.must(append([]string{"plan", "--output", "json", "--terraform", wrapper}, fixtureInputs...)...)

			check := h.run("check-plan", fixture)
			checkJS := h.run("check-plan", fixture, "--output", "json")
			h.stdin = mustRead(t, fixture)
			checkStdin := h.run("check-plan", "-")
			for _, r := range []result{check, checkJS, checkStdin} {
				if r.code != tc.code {
					t.Errorf("check-plan: exit %d, want %d\n%s", r.code, tc.code, r.stderr)
				}
			}
			if !strings.Contains(plan.stdout, check.stdout) || check.stdout != checkStdin.stdout {
				t.Errorf("deploy plan and check-plan differ\nplan:\n%s\ncheck-plan:\n%s\ncheck-plan -:\n%s", plan.stdout, check.stdout, checkStdin.stdout)
			}
			var fromPlan planJSON
			if err := json.Unmarshal([]byte(planJS.stdout), &fromPlan); err != nil || fromPlan.Paths == nil {
				t.Fatalf("plan --output json: %v\n%s", err, planJS.stdout)
			}
			var fromCheck pathguard.Report
			if err := json.Unmarshal([]byte(checkJS.stdout), &fromCheck); err != nil {
				t.Fatalf("check-plan --output json: %v\n%s", err, checkJS.stdout)
			}
			a, _ := json.Marshal(fromPlan.Paths)
			b, _ := json.Marshal(fromCheck)
			if !bytes.Equal(a, b) || fromCheck.SchemaVersion != pathguard.SchemaVersion || len(fromCheck.Brokers) == 0 {
				t.Errorf("plan's paths and check-plan's report differ\nplan:       %s\ncheck-plan: %s", a, b)
			}
			if len(fromPlan.Changes) == 0 {
				t.Errorf("plan --output json lost the summary's fields: %s", planJS.stdout)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// check-plan's input errors exit 2 and say what the input is and what to
// pass instead.
func TestCheckPlanBadInput(t *testing.T) {
	t.Parallel()
	read := filepath.Join("..", "..", "pathguard", "testdata", "read")
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		tty   bool
		want  string
	}{
		{"state", []string{filepath.Join(read, "state.json")}, "", false, "this is Terraform state"},
		{"errored plan on stdin", []string{"-"}, mustRead(t, filepath.Join(read, "errored-plan.json")), false, "stdin: not a usable Terraform plan: the plan has errors"},
		{"plan -json log", nil, mustRead(t, filepath.Join(read, "plan-log.jsonl")), false, "the log of `terraform plan -json`"},
		{"the binary plan file", []string{filepath.Join(read, "saved-plan-file")}, "", false, "a saved plan file itself"},
		{"no such file", []string{"no-such-plan.json"}, "", false, "no-such-plan.json: no such file"},
		{"terminal stdin", []string{"-"}, "", true, "stdin is a terminal: pipe the plan's JSON in"},
		{"two plans", []string{"a.json", "b.json"}, "", false, `one plan at a time: got "a.json" and "b.json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.stdin, h.tty = tc.stdin, tc.tty
			r := h.run(append([]string{"check-plan"}, tc.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s", r.code, ExitUsage, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// check-plan waiting on a stdin that never ends stops at the interrupt.
func TestCheckPlanStdinInterrupted(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Run(ctx, Env{Stdin: pr, Stdout: &out, Stderr: &errOut}, []string{"check-plan", "-"}) }()
	select {
	case code := <-done:
		if code != ExitInterrupted || !strings.Contains(errOut.String(), "interrupted") {
			t.Errorf("exit %d, want %d\n%s", code, ExitInterrupted, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("check-plan still reading stdin 10 s after the interrupt")
	}
}

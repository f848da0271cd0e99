package cli

// Issue 31: deploy's records stay true under concurrency and interrupts,
// and its secrets stay private.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// snapshot is every path under root with its mode and content hash.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := st.Mode().String()
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffSnapshots(before, after map[string]string) []string {
	var d []string
	for p, v := range after {
		if w, ok := before[p]; !ok {
			d = append(d, "added "+p)
		} else if w != v {
			d = append(d, fmt.Sprintf("changed %s (%s → %s)", p, w, v))
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			d = append(d, "removed "+p)
		}
	}
	return d
}

// installScript writes an executable script through install(1): a file
// this process opened for writing could be inherited, still open, by a
// child another test forks meanwhile, and exec'ing it then fails ("text
// file busy").
func installScript(t *testing.T, path, body string) {
	t.Helper()
	src := path + ".src"
	if err := os.WriteFile(src, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("install", "-m", "0755", src, path).CombinedOutput(); err != nil {
		t.Fatalf("install %s: %v\n%s", path, err, out)
	}
}

func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeDeployment makes the test-dep deployment by hand: its settings (or
// whatever a case puts in deployment.json) and recorded inputs.
func writeDeployment(t *testing.T, h *harness, settings string) {
	t.Helper()
	wd := h.workdir()
	if err := os.MkdirAll(wd, 0o700); err != nil {
		t.Fatal(err)
	}
	if settings != "" {
		if err := os.WriteFile(filepath.Join(wd, deploy.SettingsName), []byte(settings), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(wd, "inputs.tfvars.json"), []byte(`{"region": "us-east-1"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Every refusal is decided before anything is written: the state directory
// is the same before and after, byte for byte and mode for mode, and the
// refusal (exit 2, naming the input and the fix) comes within a bound —
// nothing is waited on, a FIFO least of all.
func TestRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o755)
	others := filepath.Join(dir, "home")
	os.MkdirAll(others, 0o755)
	os.WriteFile(filepath.Join(others, ".bashrc"), []byte("# mine\n"), 0o644)
	const good = `{"format":1,"name":"test-dep","backend":"local"}`
	plan := func(extra ...string) []string { return append(append([]string{"plan"}, fixtureInputs...), extra...) }
	cases := []struct {
		name  string
		setup func(t *testing.T, h *harness) // an existing deployment, as the case needs it
		args  func(t *testing.T) []string
		want  []string
	}{
		{"terraform /bin/true", nil, func(*testing.T) []string { return plan("--terraform", "/bin/true") }, []string{"--terraform", "/bin/true", "version -json"}},
		{"terraform directory", nil, func(*testing.T) []string { return plan("--terraform", dir) }, []string{"--terraform", "a directory"}},
		{"terraform empty file", nil, func(*testing.T) []string { return plan("--terraform", empty) }, []string{"--terraform", empty, "an empty file"}},
		{"terraform missing", nil, func(*testing.T) []string { return plan("--terraform", "/nonexistent/terraform") }, []string{"--terraform", "/nonexistent/terraform"}},
		{"terraform FIFO", nil, func(t *testing.T) []string { return plan("--terraform", mkfifo(t)) }, []string{"--terraform", "not a regular file"}},
		{"var file FIFO", nil, func(t *testing.T) []string { return plan("--var-file", mkfifo(t)) }, []string{"--var-file", "a FIFO (named pipe)", "pass a file"}},
		{"var file directory", nil, func(*testing.T) []string { return plan("--var-file", dir) }, []string{"--var-file", "a directory"}},
		{"backend config FIFO", nil, func(t *testing.T) []string { return plan("--backend-config", mkfifo(t)) }, []string{"--backend-config", "a FIFO", "bucket, key and region"}},
		{"workdir /proc/self", nil, func(*testing.T) []string { return plan("--workdir", "/proc/self") }, []string{"/proc/self", "holds no deployment", "new or empty directory"}},
		{"workdir of someone else's files", nil, func(*testing.T) []string { return plan("--workdir", others) }, []string{others, "holds no deployment"}},
		{"settings of a newer format", func(t *testing.T, h *harness) {
			writeDeployment(t, h, `{"format":99,"name":"test-dep","backend":"local"}`)
		}, func(*testing.T) []string { return plan() }, []string{deploy.SettingsName, "format 99 is newer", "run the deploy version that wrote it"}},
		{"settings s3 without config", func(t *testing.T, h *harness) {
			writeDeployment(t, h, `{"format":1,"name":"test-dep","backend":"s3"}`)
		}, func(*testing.T) []string { return plan() }, []string{deploy.SettingsName, `backend "s3" without backend_config`, "fix it"}},
		{"settings s3 config gone", func(t *testing.T, h *harness) {
			writeDeployment(t, h, `{"format":1,"name":"test-dep","backend":"s3","backend_config":"/nonexistent/s3.hcl"}`)
		}, func(*testing.T) []string { return plan() }, []string{"/nonexistent/s3.hcl", "--backend-config"}},
		{"settings corrupt", func(t *testing.T, h *harness) { writeDeployment(t, h, `{"format":1,`) }, func(*testing.T) []string { return plan() }, []string{deploy.SettingsName, "not a deployment settings object"}},
		{"settings FIFO", func(t *testing.T, h *harness) {
			writeDeployment(t, h, "")
			syscall.Mkfifo(filepath.Join(h.workdir(), deploy.SettingsName), 0o600)
		}, func(*testing.T) []string { return plan() }, []string{deploy.SettingsName, "a FIFO"}},
		{"recorded inputs FIFO", func(t *testing.T, h *harness) {
			writeDeployment(t, h, good)
			os.Remove(filepath.Join(h.workdir(), "inputs.tfvars.json"))
			syscall.Mkfifo(filepath.Join(h.workdir(), "inputs.tfvars.json"), 0o600)
		}, func(*testing.T) []string { return plan() }, []string{"inputs.tfvars.json", "a FIFO", "fix or delete it"}},
		{"destroy unknown without --yes", func(t *testing.T, h *harness) { writeDeployment(t, h, good) },
			func(*testing.T) []string { return []string{"destroy", "--name", "nosuch"} }, []string{"no deployment named nosuch", "known deployments: test-dep"}},
		{"apply without --yes or a terminal", nil, func(*testing.T) []string { return append([]string{"apply"}, fixtureInputs...) }, []string{"pass --yes"}},
		{"external ID malformed", nil, func(*testing.T) []string { return plan("--external-id", "x") }, []string{"--external-id", "not an external ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if tc.setup != nil {
				tc.setup(t, h)
			}
			args := tc.args(t)
			before := snapshot(t, h.env["XDG_STATE_HOME"])
			start := time.Now()
			r := h.run(args...)
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("the refusal took %s", d)
			}
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if d := diffSnapshots(before, snapshot(t, h.env["XDG_STATE_HOME"])); len(d) > 0 {
				t.Errorf("a refused run wrote:\n  %s", strings.Join(d, "\n  "))
			}
			if r := h.run("status", "--output", "json"); strings.Contains(r.stdout, `"phase"`) && tc.setup == nil {
				t.Errorf("status lists a deployment after the refusal:\n%s", r.stdout)
			}
		})
	}
}

// openToOthers lists what other users could use: the state directory, the
// working directory and its data directory unless 0700, and the files
// directly in the working directory (state and backups, plans, var files,
// settings, locks) unless 0600. What lies deeper is out of their reach.
func openToOthers(t *testing.T, base, wd string) []string {
	t.Helper()
	var open []string
	for _, d := range []string{base, wd, filepath.Join(wd, ".terraform")} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != 0o700 {
			open = append(open, fmt.Sprintf("%s: %v %v", d, st.Mode().Perm(), err))
		}
	}
	entries, err := os.ReadDir(wd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		st, _ := e.Info()
		if e.Type().IsRegular() && st.Mode().Perm() != 0o600 {
			open = append(open, fmt.Sprintf("%s %04o", e.Name(), st.Mode().Perm()))
		}
	}
	return open
}

// With the real Terraform (which writes state and plans 0644 under the
// usual umask): after plan, apply and destroy, the state directory and the
// working directory are 0700 and every file Terraform or deploy wrote 0600;
// a deployment opened up by hand is made private again on the next start.
func TestFilesArePrivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	base := filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce")
	check := func(after string, files ...string) {
		t.Helper()
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(h.workdir(), f)); err != nil {
				t.Fatalf("after %s, no %s to check: %v", after, f, err)
			}
		}
		if open := openToOthers(t, base, h.workdir()); len(open) > 0 {
			t.Errorf("after %s, open to other users:\n  %s", after, strings.Join(open, "\n  "))
		}
	}
	h.must(append([]string{"plan"}, fixtureInputs...)...)
	check("plan", "plan.tfplan", "inputs.tfvars.json", "deployment.json", "deploy.lock", "init.stamp")
	h.must("apply", "--yes")
	h.must("apply", "--yes", "--external-id", "0123456789abcdef")
	check("apply", "terraform.tfstate", "terraform.tfstate.backup")
	h.must("destroy", "--yes")
	check("destroy", "terraform.tfstate", "terraform.tfstate.backup")

	// Opened by hand (or by an older deploy): the next run says so and closes it.
	state := filepath.Join(h.workdir(), "terraform.tfstate")
	for p, m := range map[string]os.FileMode{base: 0o755, h.workdir(): 0o755, state: 0o644} {
		os.Chmod(p, m)
	}
	r := h.must("status")
	if !strings.Contains(r.stderr, "the state directory "+base+" was open to other users (mode 0755)") || !strings.Contains(r.stderr, state+" (was 0644)") {
		t.Errorf("status did not say what it made private:\n%s", r.stderr)
	}
	check("status")
}

// fakeTerraform is a terraform that records its own command line, as any
// local user sees it (/proc/<pid>/cmdline), then runs the real one.
func fakeTerraform(t *testing.T) (path, log string) {
	t.Helper()
	real, err := tfrunner.Find(context.Background(), tfrunner.FindOptions{NoDownload: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log = filepath.Join(dir, "cmdlines")
	path = filepath.Join(dir, "terraform")
	script := fmt.Sprintf("#!/bin/sh\ntr '\\0' ' ' < /proc/$$/cmdline >> %s\necho >> %s\nexec %s \"$@\"\n", log, log, real)
	installScript(t, path, script)
	return path, log
}

// The external ID is a secret: it reaches Terraform through a 0600 file,
// never its command line (which every local user can read), and deploy
// prints it nowhere — not in the plan, errors or JSON — unless asked.
func TestExternalIDStaysSecret(t *testing.T) {
	t.Parallel()
	const secret = "5ecr3t-ext-1d"
	h := newHarness(t)
	tf, cmdlines := fakeTerraform(t)
	h.env["MSKVPCE_TERRAFORM"] = tf
	vars := filepath.Join(t.TempDir(), "mine.tfvars")
	os.WriteFile(vars, []byte("service_name = \"Mine\"\n"), 0o644)

	r := h.must(append([]string{"apply", "--yes", "--diff", "--external-id", secret, "--var-file", vars}, fixtureInputs...)...)
	printed := r.stdout + r.stderr
	logged, err := os.ReadFile(cmdlines)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" plan ", " apply ", "this-run.tfvars.json", vars} {
		if !strings.Contains(string(logged), want) {
			t.Errorf("Terraform's command lines lack %q:\n%s", want, logged)
		}
	}
	if strings.Contains(string(logged), secret) {
		t.Errorf("the external ID is on Terraform's command line:\n%s", logged)
	}
	if !strings.Contains(r.stdout, "aws_iam_role") || !strings.Contains(r.stdout, deploy.Redacted) {
		t.Errorf("--diff shows no redacted change of the role:\n%s", r.stdout)
	}
	// Terraform got it all the same: the role no longer trusts the placeholder.
	if s := statusOf(t, h); s.Placeholder || s.Phase != phaseReady {
		t.Errorf("the external ID did not reach Terraform: %+v", s)
	}
	// This run's inputs file is gone with the run; the recorded one is private.
	if _, err := os.Stat(filepath.Join(h.workdir(), "this-run.tfvars.json")); err == nil {
		t.Error("this-run.tfvars.json outlived its run")
	}
	if st, err := os.Stat(filepath.Join(h.workdir(), "inputs.tfvars.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("inputs.tfvars.json: %v, %v", st, err)
	}

	// A new external ID: the plan shows the change, with neither ID.
	const next = "n3xt-5ecr3t-1d"
	r = h.must("plan", "--diff", "--external-id", next)
	printed += r.stdout + r.stderr
	if !strings.Contains(r.stdout, "aws_iam_role") || strings.Count(r.stdout, deploy.Redacted) < 2 {
		t.Errorf("the plan of a new external ID does not show the redacted change:\n%s", r.stdout)
	}
	// A malformed one is refused without being repeated, in text and JSON.
	r = h.run("plan", "--output", "json", "--external-id", "not valid!")
	if r.code != ExitUsage || !strings.Contains(r.stdout, "is not an external ID") || strings.Contains(r.stdout+r.stderr, "not valid!") {
		t.Errorf("a malformed external ID: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []string{secret, next} {
		if strings.Contains(printed, s) {
			t.Errorf("deploy printed the external ID %s:\n%s", s, printed)
		}
	}
	// Asked for, it is shown.
	r = h.must("plan", "--diff", "--show-secrets", "--external-id", next)
	if !strings.Contains(r.stdout, secret) || !strings.Contains(r.stdout, next) {
		t.Errorf("--show-secrets hides the external IDs:\n%s", r.stdout)
	}
}

// startSlowApply starts `deploy apply` with the fixture's slow resource
// (sleep_seconds) and returns once Terraform is creating it, the five fast
// ones done; the result arrives on the channel.
func startSlowApply(t *testing.T, h *harness, ctx context.Context, stderr *syncBuffer, extra ...string) <-chan result {
	t.Helper()
	vars := filepath.Join(t.TempDir(), "slow.tfvars")
	os.WriteFile(vars, []byte("sleep_seconds = 120\n"), 0o644)
	done := make(chan result, 1)
	go func() {
		done <- h.runCtx(ctx, stderr, append(append([]string{"apply", "--yes", "--var-file", vars}, fixtureInputs...), extra...)...)
	}()
	deadline := time.After(90 * time.Second)
	for !strings.Contains(stderr.String(), "terraform_data.slow[0]") || strings.Count(stderr.String(), " done ") < 5 {
		select {
		case r := <-done:
			t.Fatalf("apply ended before the slow resource: exit %d\n%s", r.code, r.stderr)
		case <-deadline:
			t.Fatalf("slow resource never started:\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return done
}

// Two runs on one deployment: the second refuses before it writes
// anything, naming the first; the inputs recorded stay the first one's, so
// the next plan plans what was applied. status says who works on it.
func TestConcurrentRunRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.signals = make(chan os.Signal, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startSlowApply(t, h, ctx, &syncBuffer{})

	before := snapshot(t, h.workdir())
	r := h.run("apply", "--yes", "--name", "test-dep", "--owner", "dave@example.com", "--cidr-block", "10.9.0.0/16", "--var-file", writeVars(t, "service_name = \"Dave\"\n"))
	if r.code != ExitUsage {
		t.Errorf("second apply: exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`deployment "test-dep" is in use by ` + "`deploy apply --name test-dep`", "(pid " + strconv.Itoa(os.Getpid()) + " on ", "deploy.lock", "nothing was changed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "Plan:") {
		t.Errorf("the refused apply planned:\n%s", r.stdout)
	}
	r = h.run("plan", "--name", "test-dep", "--owner", "dave@example.com")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "is in use by") {
		t.Errorf("plan during the apply: exit %d\n%s", r.code, r.stderr)
	}
	// Everything but the state, which the running apply writes as it goes.
	after := snapshot(t, h.workdir())
	for _, snap := range []map[string]string{before, after} {
		for p := range snap {
			if strings.HasPrefix(filepath.Base(p), "terraform.tfstate") {
				delete(snap, p)
			}
		}
	}
	if d := diffSnapshots(before, after); len(d) > 0 {
		t.Errorf("the refused runs wrote:\n  %s", strings.Join(d, "\n  "))
	}
	// status answers (exit 0), reading nothing the apply may be writing.
	s := statusOf(t, h, "--name", "test-dep")
	if s.Phase != phaseBusy || !strings.Contains(s.Detail, "deploy apply --name test-dep") {
		t.Errorf("status during the apply: %+v", s)
	}

	cancel()
	h.signals <- os.Interrupt
	if r := <-done; r.code != ExitInterrupted {
		t.Fatalf("interrupted apply: exit %d\n%s", r.code, r.stderr)
	}
	rec, _ := os.ReadFile(filepath.Join(h.workdir(), "inputs.tfvars.json"))
	if strings.Contains(string(rec), "dave") || strings.Contains(string(rec), "10.9.0.0") {
		t.Errorf("the refused run's inputs were recorded:\n%s", rec)
	}
	// Free again: the next run takes the lock and finds it released cleanly.
	r = h.must("plan", "--name", "test-dep", "--var-file", writeVars(t, "sleep_seconds = 0\n"))
	if strings.Contains(r.stderr, "ended without finishing") {
		t.Errorf("a cleanly ended run is reported as dead:\n%s", r.stderr)
	}
}

// The third Ctrl-C kills Terraform: deploy says so, that its state lock
// file remains (with the lock ID), what removes it and whether that is safe
// now. Each claim is checked: no Terraform process is left, `terraform
// force-unlock` refuses a local lock, and the next run takes it over.
func TestThirdInterruptTellsTheTruth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.signals = make(chan os.Signal, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := startSlowApply(t, h, ctx, stderr)
	// Three presses in a row: Terraform stops the fixture's sleep quickly
	// on the first, and the kill must come before it is done.
	cancel()
	for i := 0; i < 3; i++ {
		h.signals <- os.Interrupt
	}
	r := <-done
	if r.code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitInterrupted, r.stderr)
	}
	lockInfo := filepath.Join(h.workdir(), ".terraform.tfstate.lock.info")
	info, left, err := tfrunner.ReadLockInfo(context.Background(), lockInfo)
	if !left || err != nil {
		t.Fatalf("no lock file after the kill (%v): the case this test is about did not happen\n%s", err, r.stderr)
	}
	root := filepath.Join(h.workdir(), "hcl", "examples", "complete")
	for _, want := range []string{"asking Terraform to stop", "Killing it now is risky", "Killing Terraform", "Apply was killed", "Terraform was killed before it could finish",
		"state lock " + info.ID + " remains (" + lockInfo, "No Terraform process is running in " + root, "the next run takes it over",
		"safe now", "rm " + lockInfo} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "lock released") || strings.Contains(r.stderr, "lock is released") {
		t.Errorf("claims the lock was released:\n%s", r.stderr)
	}
	if pids, err := tfrunner.TerraformProcessesIn(root); err != nil || len(pids) > 0 {
		t.Errorf("Terraform processes left in %s: %v %v", root, pids, err)
	}
	// force-unlock cannot remove a local lock nobody holds, as the message says.
	unlock := exec.Command("terraform", "force-unlock", "-force", info.ID)
	unlock.Dir, unlock.Env = root, append(os.Environ(), "TF_DATA_DIR="+filepath.Join(h.workdir(), ".terraform"))
	if out, err := unlock.CombinedOutput(); err == nil || !strings.Contains(string(out), "LocalState not locked") {
		t.Errorf("terraform force-unlock of the local lock: %v\n%s", err, out)
	}
	// The next run takes the lock over (and plans from what state holds).
	h.must("plan", "--var-file", writeVars(t, "sleep_seconds = 0\n"))
	if _, err := os.Stat(lockInfo); err == nil {
		t.Errorf("%s is still there after the next run", lockInfo)
	}
}

func waitForText(t *testing.T, buf *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q in:\n%s", s, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A run that died holding the deployment lock (kill -9, a machine gone)
// is named by the next one, with the Terraform lock it left and the way out.
func TestDeadRunIsNamed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(append([]string{"init"}, fixtureInputs...)...)
	dead := deploy.Holder{PID: 999999, Host: "build-7", Command: "deploy apply --name test-dep", Started: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	b, _ := json.Marshal(dead)
	os.WriteFile(filepath.Join(h.workdir(), "deploy.lock"), b, 0o600)
	os.WriteFile(filepath.Join(h.workdir(), ".terraform.tfstate.lock.info"), []byte(`{"ID":"0f1e2d3c-aaaa-bbbb-cccc-000000000001","Operation":"OperationTypeApply","Who":"me@build-7","Version":"1.11.4","Created":"2026-12-06T09:01:00Z","Path":"x"}`), 0o600)
	r := h.must("plan")
	for _, want := range []string{"the last deploy run on this deployment, `deploy apply --name test-dep` (pid 999999 on build-7", "ended without finishing",
		"state lock 0f1e2d3c-aaaa-bbbb-cccc-000000000001 remains", "by me@build-7", "nothing holds it", "rm " + filepath.Join(h.workdir(), ".terraform.tfstate.lock.info")} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// It finished: the next run has nothing to say.
	if r := h.must("plan"); strings.Contains(r.stderr, "ended without finishing") {
		t.Errorf("a finished run is reported as dead:\n%s", r.stderr)
	}
}

// An error that quotes a secret (Terraform's diagnostics may quote a
// variable's value) is redacted on stderr and in the JSON error alike.
func TestErrorsAreRedacted(t *testing.T) {
	t.Parallel()
	const secret = "5ecr3t-ext-1d"
	for _, show := range []bool{false, true} {
		var stdout, stderr strings.Builder
		c := &cli{env: Env{Stdout: &stdout, Stderr: &stderr}, cmd: "plan", output: "json", showSecrets: show}
		c.secrets.Add(secret)
		if code := c.exit(fmt.Errorf("terraform plan failed: var.databricks_external_id is %q", secret)); code != ExitFailed {
			t.Errorf("exit %d", code)
		}
		printed := stdout.String() + stderr.String()
		if got := strings.Count(printed, secret); show && got != 2 || !show && got != 0 {
			t.Errorf("--show-secrets=%v: the secret printed %d times:\n%s", show, got, printed)
		}
		if !show && strings.Count(printed, deploy.Redacted) != 2 {
			t.Errorf("not redacted on stderr and in the JSON error:\n%s", printed)
		}
	}
}

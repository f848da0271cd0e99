package tfrunner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Terraform's own words when the lock is taken (the JSON UI's diagnostic,
// flattened as Diagnostic.String does).
const lockError = `terraform apply in /w/hcl/examples/complete failed (exit status 1):
  Error acquiring the state lock: Error message: resource temporarily unavailable Lock Info: ID: 686e4c02-7132-4959-5e44-b4be54a79944 Path: /w/terraform.tfstate Operation: OperationTypeApply Who: root@vm Version: 1.11.4 Created: 2026-12-06 12:32:41.694731144 +0000 UTC Info: Terraform acquires a state lock to protect the state from being written by multiple users at the same time.`

func TestLockInError(t *testing.T) {
	t.Parallel()
	info, ok := LockInError(errors.New(lockError))
	if !ok || info.ID != "686e4c02-7132-4959-5e44-b4be54a79944" || info.Who != "root@vm" || info.Operation != "OperationTypeApply" || info.Path != "/w/terraform.tfstate" {
		t.Errorf("LockInError = %+v, %v", info, ok)
	}
	if _, ok := LockInError(errors.New("Error: Invalid value for variable")); ok {
		t.Error("found a lock in an error that names none")
	}
}

// startFakeTerraform runs a process named terraform in dir, as a Terraform
// run of that deployment would be, and kills its group when the test ends.
func startFakeTerraform(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	// Copied by cp: a file this process wrote could still be open in a
	// child another test forks meanwhile ("text file busy").
	fake := filepath.Join(t.TempDir(), "terraform")
	if out, err := exec.Command("cp", sleep, fake).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	cmd := exec.Command(fake, "60")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return cmd
}

// The advice names the lock, the exact command that removes it, and
// whether that is safe now: only when no Terraform process runs in the
// directory. A local lock is the process's own: nothing to force-unlock.
func TestLockAdvice(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process working directories are read from /proc (Linux)")
	}
	t.Parallel()
	dir := t.TempDir()
	r := &Runner{Dir: dir, ExecPath: "/opt/tf/terraform", Env: map[string]string{"TF_DATA_DIR": "/w/.terraform", "OTHER": "x"}}
	info := LockInfo{ID: "686e4c02-7132-4959-5e44-b4be54a79944", Operation: "OperationTypeApply", Who: "ci@runner-3", Created: "2026-12-06T12:32:41Z"}
	const file = "/w/.terraform.tfstate.lock.info"
	unlock := "cd " + dir + " && TF_DATA_DIR=/w/.terraform /opt/tf/terraform force-unlock -force 686e4c02-7132-4959-5e44-b4be54a79944"

	fake := startFakeTerraform(t, dir)
	running := "Terraform is still running in " + dir + " (pid " + strconv.Itoa(fake.Process.Pid) + ") and holds it"
	for _, tc := range []struct {
		file      string
		want, not []string
	}{
		{file, []string{"state lock 686e4c02-7132-4959-5e44-b4be54a79944 remains (" + file + ", taken for Apply, by ci@runner-3", running, "the next run takes it over"}, []string{"safe", "force-unlock -force"}},
		{"", []string{running, "then, once no Terraform process of this deployment is left", unlock}, []string{"safe"}},
	} {
		got := r.LockAdvice(info, tc.file)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("advice (file %q) with Terraform running lacks %q:\n%s", tc.file, want, got)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(got, not) {
				t.Errorf("advice (file %q) with Terraform running says %q:\n%s", tc.file, not, got)
			}
		}
	}

	syscall.Kill(-fake.Process.Pid, syscall.SIGKILL)
	fake.Wait()
	got := r.LockAdvice(info, file)
	for _, want := range []string{"No Terraform process is running in " + dir, "ended with it", "LocalState not locked", "safe now", "rm " + file} {
		if !strings.Contains(got, want) {
			t.Errorf("advice on a local lock once Terraform is gone lacks %q:\n%s", want, got)
		}
	}
	got = r.LockAdvice(info, "")
	for _, want := range []string{"No Terraform process is running in " + dir, "not another machine's run", "it is safe to remove it", unlock} {
		if !strings.Contains(got, want) {
			t.Errorf("advice on a backend's lock once Terraform is gone lacks %q:\n%s", want, got)
		}
	}
}

// What an interrupted command says about its lock is what the lock file
// says, not what Terraform was expected to do.
func TestInterruptedTellsTheLockFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	info := filepath.Join(dir, ".terraform.tfstate.lock.info")
	r := &Runner{Dir: dir, ExecPath: "/opt/tf/terraform", LockInfoFile: info}
	killed := fmt.Errorf("%w: signal: killed", ErrKilled)

	err := r.interrupted("terraform apply", killed)
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "Terraform was killed") || !strings.Contains(err.Error(), "Its state lock is released") {
		t.Errorf("killed, no lock file left: %v", err)
	}
	os.WriteFile(info, []byte(`{"ID":"1234-abcd","Operation":"OperationTypeApply","Who":"me@host","Version":"1.11.4","Created":"2026-12-06T12:00:00Z","Path":"/w/terraform.tfstate"}`), 0o600)
	err = r.interrupted("terraform apply", killed)
	for _, want := range []string{"Terraform was killed", "state lock 1234-abcd remains (" + info, "rm " + info} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("killed, lock file left: %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "released") {
		t.Errorf("says released while the lock file remains: %v", err)
	}
	err = r.interrupted("terraform apply", fmt.Errorf("%w: exit status 1", ErrInterrupted))
	if !strings.Contains(err.Error(), "asked to stop and has exited") || !strings.Contains(err.Error(), "1234-abcd remains") {
		t.Errorf("stopped, lock file left: %v", err)
	}
	// Another backend: nothing to read here, and nothing claimed.
	r.LockInfoFile = ""
	if err := r.interrupted("terraform apply", killed); !strings.Contains(err.Error(), "may remain") {
		t.Errorf("killed, remote backend: %v", err)
	}
}

// A --terraform that never answers `version` is stopped with everything it
// started: by the operator's interrupt at once, else by CheckTimeout.
func TestCheckBinaryIsBounded(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "child.pid")
	hang := filepath.Join(dir, "terraform")
	// The child keeps stdout open: without the group kill Output would wait for it.
	script := "#!/bin/sh\nsleep 300 &\necho $! > " + pidfile + "\nwait\n"
	if err := os.WriteFile(hang, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	childGone := func() {
		t.Helper()
		b, err := os.ReadFile(pidfile)
		if err != nil {
			t.Fatalf("the fake never started its child: %v", err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("the fake's child %d outlived the check", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	_, err := CheckBinary(ctx, hang, "")
	if !errors.Is(err, ErrInterrupted) || time.Since(start) > 5*time.Second {
		t.Errorf("CheckBinary interrupted after 0.5 s: %v after %s", err, time.Since(start))
	}
	childGone()

	os.Remove(pidfile)
	old := CheckTimeout
	CheckTimeout = 500 * time.Millisecond
	defer func() { CheckTimeout = old }()
	start = time.Now()
	_, err = CheckBinary(context.Background(), hang, "")
	if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "did not answer within") || time.Since(start) > 5*time.Second {
		t.Errorf("CheckBinary of a binary that hangs: %v after %s", err, time.Since(start))
	}
	childGone()

	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o700)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o755)
	for path, want := range map[string]string{fifo: "not a regular file", empty: "an empty file", dir: "a directory"} {
		if _, err := CheckBinary(context.Background(), path, ""); !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckBinary(%s) = %v, want %q", path, err, want)
		}
	}
}

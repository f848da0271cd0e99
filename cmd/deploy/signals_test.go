package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// deployProc is this binary run as deploy in a process group of its own,
// which the test kills whole when it ends (and the group of the fake
// terraform it started, which terraform-exec puts in a group of its own).
type deployProc struct {
	cmd    *exec.Cmd
	out    *lockedBuilder
	exited chan struct{} // closed when deploy has exited; err is then its Wait error
	err    error
}

// lockedBuilder is written by exec's copying goroutine and read by the test.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startDeploy(t *testing.T, env []string, args ...string) *deployProc {
	t.Helper()
	p := &deployProc{out: &lockedBuilder{}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Env = append(append(os.Environ(), "DEPLOY_TEST_MAIN=1", "MSKVPCE_SKIP_IDENTITY_CHECK=1", "MSKVPCE_TERRAFORM_NO_DOWNLOAD=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("deploy (pid %d) still running after SIGKILL to its group", p.cmd.Process.Pid)
		}
	})
	return p
}

// wait returns deploy's exit code, failing the test when it takes longer
// than bound.
func (p *deployProc) wait(t *testing.T, bound time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		var ee *exec.ExitError
		if p.err != nil && !errors.As(p.err, &ee) {
			t.Fatalf("deploy: %v", p.err)
		}
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(bound):
		t.Fatalf("deploy %q still running after %s:\n%s", p.cmd.Args[1:], bound, p.out)
	}
	return -1
}

// script installs an executable script (through install(1), so that no
// file this process has open for writing is exec'd: "text file busy").
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	src := filepath.Join(dir, name+".src")
	if err := os.WriteFile(src, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if out, err := exec.Command("install", "-m", "0755", src, path).CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	return path
}

// readPID waits for a pid file and returns its pid.
func readPID(t *testing.T, path string, bound time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

const versionJSON = `{"terraform_version":"1.11.4","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}`

var planInputs = []string{"--region", "us-east-1", "--prefix", "demo", "--cidr-block", "172.18.0.0/16", "--owner", "me@example.com"}

// Every wait deploy makes ends within its bound: a FIFO where a file is
// meant is refused at once (exit 2), never opened for reading; a Terraform
// that hangs (in `version`, or in a command) is stopped, with what it
// started, by SIGINT or SIGTERM (exit 130) — each case within its timeout
// plus a margin.
func TestEveryWaitIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A terraform whose `version` never answers: its child keeps stdout open.
	hangVersion := script(t, dir, "hang-version", "#!/bin/sh\nsleep 300 &\necho $! > \"$FAKE_PIDS\"\nwait\n")
	// A terraform that answers `version` and then works forever; it stops
	// on an interrupt as Terraform does (exec: the signal reaches sleep).
	hangCommand := script(t, dir, "hang-command", "#!/bin/sh\nif [ \"$1\" = version ]; then echo '"+versionJSON+"'; exit 0; fi\necho $$ > \"$FAKE_PIDS\"\nexec sleep 300\n")
	// A deployment whose deployment.json is a FIFO.
	fifoSettings := filepath.Join(dir, "fifo-settings")
	os.MkdirAll(fifoSettings, 0o700)
	syscall.Mkfifo(filepath.Join(fifoSettings, "deployment.json"), 0o600)

	cases := []struct {
		name    string
		args    []string
		env     []string
		signal  syscall.Signal // sent once the fake terraform runs; 0: none
		bound   time.Duration  // the case's own timeout (0: none, a refusal)
		code    int
		message string
	}{
		{"var file FIFO", append([]string{"plan", "--var-file", fifo}, planInputs...), nil, 0, 0, 2, "a FIFO"},
		{"backend config FIFO", append([]string{"plan", "--backend-config", fifo}, planInputs...), nil, 0, 0, 2, "a FIFO"},
		{"terraform FIFO", append([]string{"plan", "--terraform", fifo}, planInputs...), nil, 0, 0, 2, "not a regular file"},
		{"CA file FIFO", []string{"verify", "--name", "demo", "--ca-file", fifo}, nil, 0, 0, 2, "a FIFO"},
		{"settings FIFO", []string{"status", "--workdir", fifoSettings}, nil, 0, 0, 2, "a FIFO"},
		{"terraform version hangs, SIGINT", append([]string{"plan", "--terraform", hangVersion}, planInputs...), nil, syscall.SIGINT, 0, 130, "interrupted"},
		{"terraform version hangs, SIGTERM", append([]string{"plan", "--terraform", hangVersion}, planInputs...), nil, syscall.SIGTERM, 0, 130, "interrupted"},
		{"terraform init hangs, SIGINT", append([]string{"plan"}, planInputs...), []string{"MSKVPCE_TERRAFORM=" + hangCommand}, syscall.SIGINT, 0, 130, "interrupted"},
		{"terraform init hangs, SIGTERM", append([]string{"plan"}, planInputs...), []string{"MSKVPCE_TERRAFORM=" + hangCommand}, syscall.SIGTERM, 0, 130, "interrupted"},
	}
	const margin = 10 * time.Second // a loaded 2-core CI machine
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pids := filepath.Join(t.TempDir(), "fake.pid")
			env := append([]string{"XDG_STATE_HOME=" + t.TempDir(), "FAKE_PIDS=" + pids}, tc.env...)
			p := startDeploy(t, env, tc.args...)
			fake := 0
			if tc.signal != 0 {
				fake = readPID(t, pids, 30*time.Second)
				t.Cleanup(func() { syscall.Kill(-fake, syscall.SIGKILL); syscall.Kill(fake, syscall.SIGKILL) })
				p.cmd.Process.Signal(tc.signal)
			}
			start := time.Now()
			code := p.wait(t, tc.bound+margin)
			t.Logf("ended %s after the signal or start, exit %d", time.Since(start).Round(time.Millisecond), code)
			if code != tc.code || !strings.Contains(p.out.String(), tc.message) {
				t.Errorf("exit %d, want %d and %q:\n%s", code, tc.code, tc.message, p.out)
			}
			if fake != 0 {
				deadline := time.Now().Add(5 * time.Second)
				for alive(fake) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if alive(fake) {
					t.Errorf("the fake terraform's process %d outlived deploy", fake)
				}
			}
		})
	}
}

// A deploy killed outright (kill -9) holds the deployment lock until it
// dies, naming itself to any other run; the kernel drops the lock with it,
// and the next run says that the last one never finished.
func TestKilledRunReleasesTheLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pids := filepath.Join(dir, "fake.pid")
	hang := script(t, dir, "terraform", "#!/bin/sh\nif [ \"$1\" = version ]; then echo '"+versionJSON+"'; exit 0; fi\necho $$ > \"$FAKE_PIDS\"\nexec sleep 300\n")
	env := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "FAKE_PIDS=" + pids, "MSKVPCE_TERRAFORM=" + hang}

	first := startDeploy(t, env, append([]string{"plan"}, planInputs...)...)
	fake := readPID(t, pids, 30*time.Second)
	t.Cleanup(func() { syscall.Kill(-fake, syscall.SIGKILL) })

	second := startDeploy(t, env, "plan", "--name", "demo")
	if code := second.wait(t, 20*time.Second); code != 2 || !strings.Contains(second.out.String(), "(pid "+strconv.Itoa(first.cmd.Process.Pid)+" on ") {
		t.Errorf("second run while the first holds the lock: exit %d\n%s", code, second.out)
	}

	syscall.Kill(-first.cmd.Process.Pid, syscall.SIGKILL)
	first.wait(t, 10*time.Second)
	syscall.Kill(-fake, syscall.SIGKILL)

	third := startDeploy(t, env, "status", "--name", "demo")
	out := third.out
	if code := third.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("status after the kill: exit %d\n%s", code, out)
	}
	for _, want := range []string{"the last deploy run on this deployment", "(pid " + strconv.Itoa(first.cmd.Process.Pid) + " on ", "ended without finishing", "Phase:           not initialised"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status after the kill lacks %q:\n%s", want, out)
		}
	}
}

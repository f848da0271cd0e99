package testbin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sandbox is a clean place to run a built command: a fresh working
// directory, HOME and TMPDIR (temporary directories of the test, which
// Snapshot covers), this machine's PATH, and no AWS configuration or
// credentials of this machine's.
type Sandbox struct {
	Dir, Home, Tmp string
	// Env is the command's environment; add AWS_* variables per case.
	Env []string
}

// NewSandbox makes the directories under the test's temporary directory.
func NewSandbox(tb testing.TB) *Sandbox {
	tb.Helper()
	root := tb.TempDir()
	s := &Sandbox{Dir: filepath.Join(root, "work"), Home: filepath.Join(root, "home"), Tmp: filepath.Join(root, "tmp")}
	for _, d := range []string{s.Dir, s.Home, s.Tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			tb.Fatal(err)
		}
	}
	s.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + s.Home, "TMPDIR=" + s.Tmp,
		"AWS_CONFIG_FILE=" + filepath.Join(s.Home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	return s
}

// Snapshot is Snapshot of the sandbox's directories and extra ones.
func (s *Sandbox) Snapshot(tb testing.TB, extra ...string) string {
	tb.Helper()
	return Snapshot(tb, append([]string{s.Dir, s.Home, s.Tmp}, extra...)...)
}

// Result is how a command run ended.
type Result struct {
	Code           int // -1: killed by a signal
	Stdout, Stderr string
	Took           time.Duration
}

// Run runs bin in the sandbox with env added to its environment and stdin
// (nil: none), and fails the test if it has not ended within limit (its
// process group is killed then).
func (s *Sandbox) Run(tb testing.TB, limit time.Duration, stdin io.Reader, env []string, bin string, args ...string) Result {
	tb.Helper()
	p := s.Start(tb, stdin, env, bin, args...)
	r, ok := p.Wait(limit)
	if !ok {
		tb.Fatalf("%s %.200q still ran after %s: killed\nstderr: %s", filepath.Base(bin), args, limit, r.Stderr)
	}
	return r
}

// Proc is a command started in a sandbox.
type Proc struct {
	cmd            *exec.Cmd
	start          time.Time
	stdout, stderr syncBuffer
	done           chan struct{}
	err            error
}

// Start starts bin as Run does, without waiting for it.
func (s *Sandbox) Start(tb testing.TB, stdin io.Reader, env []string, bin string, args ...string) *Proc {
	tb.Helper()
	p := &Proc{done: make(chan struct{})}
	p.cmd = Command(tb, context.Background(), bin, args...)
	p.cmd.Dir, p.cmd.Env, p.cmd.Stdin = s.Dir, append(append([]string(nil), s.Env...), env...), stdin
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("%s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p
}

// Signal sends sig to the process (not its group).
func (p *Proc) Signal(tb testing.TB, sig os.Signal) {
	tb.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		tb.Fatalf("signal %v: %v", sig, err)
	}
}

// Done is closed when the process has ended.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stdout is what the process wrote to stdout so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr is what the process wrote to stderr so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// WaitFor waits up to limit for stderr to contain s, or for the process to
// end; it reports whether s appeared.
func (p *Proc) WaitFor(s string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for !strings.Contains(p.Stderr(), s) {
		select {
		case <-p.done:
			return strings.Contains(p.Stderr(), s)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// Wait waits up to limit for the process to end; ok is false if it had
// not (its process group is killed then). Took counts from Start.
func (p *Proc) Wait(limit time.Duration) (r Result, ok bool) {
	select {
	case <-p.done:
		ok = true
	case <-time.After(limit):
		_ = killGroup(p.cmd)
		<-p.done
	}
	r = Result{Stdout: p.stdout.String(), Stderr: p.stderr.String(), Took: time.Since(p.start)}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		r.Code = ee.ExitCode()
	}
	return r, ok
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package cli_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// deadlineMargin is what a run may take beyond its own bound (--timeout),
// or beyond a signal: a binary built with -race on a loaded 2-core machine.
const deadlineMargin = 5 * time.Second

// silentListener accepts TCP connections and never answers them: an NLB
// whose target never speaks. It closes them when the test ends.
func silentListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			once.Do(func() { close(ch) })
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), ch
}

// TestDeadlines: every input that can wait (stdin that never ends, an
// endpoint that never answers, a FIFO) ends within its --timeout plus a
// margin, and within the margin of SIGINT or SIGTERM, with exit 130 and no
// verdict on stdout for a signal.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/verify")
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret"}
	const timeout = 3 * time.Second
	type setup struct {
		args  []string
		stdin *os.File // a pipe whose writer stays open, or nil
		ready func(p *testbin.Proc) bool
	}
	// stdinNeverEnds: a pipe nothing is written to, and that is never closed.
	stdinNeverEnds := func(t *testing.T) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		return r
	}
	logged := func(s string) func(*testbin.Proc) bool {
		return func(p *testbin.Proc) bool { return p.WaitFor(s, 2*deadlineMargin) }
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) setup
		// without a signal: the exit code and what stderr or stdout says
		code int
		want string
		// noSignal: the run ends on its own before any signal could
		// matter (a refusal)
		noSignal bool
	}{
		{
			name: "--tf-outputs - on a pipe that never ends",
			setup: func(t *testing.T) setup {
				return setup{args: []string{"--tf-outputs", "-", "--timeout", timeout.String(), "-v"}, stdin: stdinNeverEnds(t), ready: logged("reading terraform outputs on stdin")}
			},
			code: 2, want: "nothing complete to read within --timeout 3s",
		},
		{
			name: "an endpoint that accepts and never answers",
			setup: func(t *testing.T) setup {
				addr, accepted := silentListener(t)
				return setup{
					args: []string{"--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=" + addr, "--region", "us-east-1", "--timeout", timeout.String()},
					ready: func(p *testbin.Proc) bool {
						select {
						case <-accepted:
							return true
						case <-time.After(2 * deadlineMargin):
							return false
						}
					},
				}
			},
			code: 1, want: "tls on broker 1 stopped by the overall timeout (3s)",
		},
		{name: "--tf-outputs a FIFO", setup: func(*testing.T) setup {
			return setup{args: []string{"--tf-outputs", fifo, "--timeout", timeout.String()}}
		}, code: 2, want: "a named pipe (FIFO)", noSignal: true},
		{name: "--local-info a FIFO", setup: func(*testing.T) setup {
			return setup{args: []string{"--local-info", fifo, "--timeout", timeout.String()}}
		}, code: 2, want: "a named pipe (FIFO)", noSignal: true},
		{name: "--ca-file a FIFO", setup: func(*testing.T) setup {
			return setup{args: []string{"--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=127.0.0.1:9", "--region", "us-east-1", "--ca-file", fifo, "--timeout", timeout.String()}}
		}, code: 2, want: "a named pipe (FIFO)", noSignal: true},
	} {
		for _, sig := range []syscall.Signal{0, syscall.SIGINT, syscall.SIGTERM} {
			if sig != 0 && tc.noSignal {
				continue
			}
			name := "no signal"
			if sig != 0 {
				name = sig.String()
			}
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				s := tc.setup(t)
				box := testbin.NewSandbox(t)
				var p *testbin.Proc
				if s.stdin != nil {
					p = box.Start(t, s.stdin, creds, bin, s.args...)
				} else {
					p = box.Start(t, nil, creds, bin, s.args...)
				}
				if sig == 0 {
					r, ok := p.Wait(timeout + deadlineMargin)
					if !ok {
						t.Fatalf("still running %s after start (--timeout %s): killed\nstderr: %s", timeout+deadlineMargin, timeout, r.Stderr)
					}
					if r.Code != tc.code || !strings.Contains(r.Stdout+r.Stderr, tc.want) {
						t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", r.Code, tc.code, tc.want, r.Stdout, r.Stderr)
					}
					return
				}
				if !s.ready(p) {
					t.Fatalf("never got to the wait\nstderr: %s", p.Stderr())
				}
				sent := time.Now()
				p.Signal(t, sig)
				r, ok := p.Wait(deadlineMargin)
				if !ok {
					t.Fatalf("still running %s after %v: killed\nstderr: %s", deadlineMargin, sig, r.Stderr)
				}
				if r.Code != 130 || r.Stdout != "" || !strings.Contains(r.Stderr, "interrupted") {
					t.Errorf("after %v (%s): exit %d, want 130, nothing on stdout, \"interrupted\" on stderr\nstdout: %s\nstderr: %s", sig, time.Since(sent).Round(time.Millisecond), r.Code, r.Stdout, r.Stderr)
				}
			})
		}
	}
}

// TestPermissionsInterrupted: `verify permissions --tf-outputs -` has no
// --timeout; a signal (ctx ending) stops its read of a pipe that never
// ends, exit 130. In process: the command prints nothing a test could wait
// for before it reads.
func TestPermissionsInterrupted(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	var out, errb bytes.Buffer
	start := time.Now()
	code := cli.RunWithStdin(ctx, r, &out, &errb, []string{"permissions", "--tf-outputs", "-"})
	if code != cli.ExitInterrupted || out.Len() > 0 || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, want 130 and nothing on stdout\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	if d := time.Since(start); d > deadlineMargin {
		t.Errorf("returned %s after start, want about 200ms", d)
	}
}

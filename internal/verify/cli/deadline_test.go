package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/testbin"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDeadlinesHold runs the built commands with faults that hold
// connections for a long time (latencies of minutes to 1000 hours, a
// rolling restart whose brokers stay away for an hour) and checks that
// each ends within its own bound plus a margin: at --timeout when it has
// one, and soon after SIGINT or SIGTERM, with the exit code it documents
// and its temporary directory (CA, info.json with credentials) removed.
func TestDeadlinesHold(t *testing.T) {
	t.Parallel()
	verifyBin := testbin.Shared(t, "../../../cmd/verify")
	localmskBin := testbin.Shared(t, "../../../cmd/localmsk")
	// margin covers starting the environment and the race detector's
	// slowdown on a shared 2-core machine; the faults would hold the
	// processes for 20 s to 1000 h.
	const margin = 8 * time.Second
	type tc struct {
		name string
		bin  string
		args []string
		// signal is sent once the command is ready (nil: none); bound
		// runs from the signal, or from the start without one.
		signal os.Signal
		bound  time.Duration
		code   int
		// client connects through NLB stand-in 1 of a localmsk and
		// sends a request, which the latency then holds.
		client bool
	}
	var cases []tc
	for _, f := range []string{"latency=1:1000h", "latency=1:20s", "rolling-restart=1h"} {
		cases = append(cases, tc{name: "verify " + f + " --timeout 5s", bin: verifyBin,
			args: []string{"--local", "--local-fault", f, "--timeout", "5s"}, bound: 5 * time.Second, code: 1})
	}
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		// Interrupted mid-run, verify gives no verdict: exit 130.
		for _, f := range []string{"latency=1:1000h"} {
			cases = append(cases, tc{name: "verify " + f + " --timeout 1000h, " + sig.String(), bin: verifyBin,
				args: []string{"--local", "--local-fault", f, "--timeout", "1000h"}, signal: sig, code: cli.ExitInterrupted})
		}
		cases = append(cases,
			tc{name: "localmsk --latency 1=60s, client connected, " + sig.String(), bin: localmskBin,
				args: []string{"--latency", "1=60s"}, client: true, signal: sig, code: 0},
			tc{name: "localmsk --rolling-restart 1h, " + sig.String(), bin: localmskBin,
				args: []string{"--rolling-restart", "1h"}, signal: sig, code: 0})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			args := c.args
			if c.bin == localmskBin {
				args = append(append([]string(nil), args...), "--output", "json")
			}
			cmd := exec.Command(c.bin, args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			var stdout, stderr lockedBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer cmd.Process.Kill()
			wait := func(what string, ready func() bool) {
				t.Helper()
				deadline := time.After(30 * time.Second)
				for !ready() {
					select {
					case err := <-exited:
						t.Fatalf("exited (%v) before %s\nstdout: %s\nstderr: %s", err, what, stdout.String(), stderr.String())
					case <-deadline:
						t.Fatalf("not %s within 30s\nstderr: %s", what, stderr.String())
					case <-time.After(10 * time.Millisecond):
					}
				}
			}
			if c.signal != nil {
				if c.bin == verifyBin {
					wait("verifying", func() bool { return strings.Contains(stderr.String(), "verifying every path") })
					time.Sleep(500 * time.Millisecond) // paths in flight, one held by the fault
				} else {
					wait("up", func() bool { return strings.HasSuffix(strings.TrimSpace(stdout.String()), "}") })
					var info localmsk.Info
					if err := json.Unmarshal([]byte(stdout.String()), &info); err != nil {
						t.Fatalf("--output json: %v\n%s", err, stdout.String())
					}
					if c.client {
						conn, err := net.Dial("tcp", info.Brokers[0].Endpoint)
						if err != nil {
							t.Fatal(err)
						}
						defer conn.Close()
						conn.Write([]byte("\x16\x03\x01\x00\x05hello")) // held by the latency
						time.Sleep(200 * time.Millisecond)
					}
				}
				start = time.Now()
				if err := cmd.Process.Signal(c.signal); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(c.bound + margin + 15*time.Second):
				cmd.Process.Signal(syscall.SIGQUIT) // goroutine dump on stderr
				<-exited
				t.Fatalf("still running %s after %s\nstderr: %s", time.Since(start).Round(time.Millisecond), c.bound+margin, stderr.String())
			}
			took := time.Since(start)
			if took > c.bound+margin {
				t.Errorf("ended %s after %s, want within %s + %s", took.Round(time.Millisecond), map[bool]string{true: "the signal", false: "the start"}[c.signal != nil], c.bound, margin)
			}
			var ee *exec.ExitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code {
				t.Errorf("exit %d (%v), want %d\nstdout: %s\nstderr: %s", code, err, c.code, stdout.String(), stderr.String())
			}
			ents, _ := os.ReadDir(tmp)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "localmsk-") {
					t.Errorf("left %s in TMPDIR (the CA and info.json with credentials)", e.Name())
				}
			}
		})
	}
}

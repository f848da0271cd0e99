// Package cmd holds no code: its test runs the command-line conventions of
// internal/cmdline against every command built from cmd/*, the way an
// operator meets them (issue 30): help answered the same way, flags spelled
// --flag, an unknown flag refused by name, -v/--log-level and --output where
// a command prints results, and exit 130 when a run is interrupted.
package cmd

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

// command is one row of the table: a binary and what it owes the
// conventions.
type command struct {
	// subs are the subcommands with a help of their own.
	subs []string
	// prefix is put before the flags of the unknown-flag, verbosity and
	// output checks (deploy's flags belong to its subcommands).
	prefix []string
	// results: the command prints results, so it takes -v/--log-level and
	// --output text|json.
	results bool
	// interrupt runs the command until it is busy and sends it SIGINT;
	// nil for the Lambda functions, which the Lambda runtime runs and
	// stops.
	interrupt func(t *testing.T, bin string)
}

var commands = map[string]command{
	"deploy": {
		subs:    []string{"check-plan", "verify"},
		prefix:  []string{"status"},
		results: true,
		// Reading a plan on stdin that never ends: 128 KiB of JSON
		// blanks, twice a pipe's buffer, are written only once deploy
		// reads them.
		interrupt: func(t *testing.T, bin string) {
			// An *os.File, handed to deploy as is: no copying goroutine
			// that would keep the test waiting once deploy has exited.
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pr.Close(); pw.Close() })
			read := make(chan struct{})
			go func() {
				pw.Write(bytes.Repeat([]byte(" "), 128<<10))
				close(read)
			}()
			interrupt(t, bin, pr, []string{"check-plan", "-"}, closed(read), 130, "deploy check-plan: interrupted")
		},
	},
	"verify": {
		subs:    []string{"permissions"},
		results: true,
		// In the middle of a verification: path 1 answers 30s late.
		interrupt: func(t *testing.T, bin string) {
			interrupt(t, bin, nil, []string{"--local", "--local-fault", "latency=1:30s", "--stage-timeout", "40s", "--timeout", "60s", "-v"},
				onStderr("local environment started"), 130, "verify: interrupted: no verdict")
		},
	},
	"localmsk": {
		results: true,
		// localmsk serves until Ctrl-C: once it is up, Ctrl-C is how it
		// ends, and it exits 0 (its --help; 130 is before it is up).
		interrupt: func(t *testing.T, bin string) {
			interrupt(t, bin, nil, nil, func(p *testbin.Proc) bool { return strings.Contains(p.Stdout(), "Press Ctrl-C to stop.") }, 0, "localmsk: stopping")
		},
	},
	"e2e-cleanup": {
		results: true,
		// While listing, against an AWS endpoint that never answers.
		interrupt: func(t *testing.T, bin string) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			accepted := make(chan struct{})
			go func() {
				c, err := ln.Accept()
				if err == nil {
					t.Cleanup(func() { c.Close() })
					close(accepted)
				}
			}()
			interrupt(t, bin, nil, []string{"--aws-endpoint-url", "http://" + ln.Addr().String(), "--region", "us-east-1", "--request-timeout", "60s"},
				closed(accepted), 130, "e2e-cleanup: interrupted while listing")
		},
	},
	// The Lambda functions: the Lambda runtime starts and stops them.
	"verify-lambda": {},
	"heal-lambda":   {},
}

func closed(c <-chan struct{}) func(*testbin.Proc) bool {
	return func(*testbin.Proc) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
}

func onStderr(s string) func(*testbin.Proc) bool {
	return func(p *testbin.Proc) bool { return strings.Contains(p.Stderr(), s) }
}

// TestConventions runs each convention against every command in cmd/.
func TestConventions(t *testing.T) {
	bins := buildAll(t)
	for name, bin := range bins {
		c, ok := commands[name]
		if !ok {
			t.Errorf("cmd/%s has no row in the conventions table: add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("help", func(t *testing.T) {
				t.Parallel()
				checkHelp(t, bin, name, []string{"--help"}, []string{"-h"}, []string{"help"}, []string{"help", "help"})
				for _, sub := range c.subs {
					checkHelp(t, bin, name+" "+sub, []string{sub, "--help"}, []string{"help", sub})
				}
			})
			t.Run("unknown flag", func(t *testing.T) {
				t.Parallel()
				r := run(t, bin, append(slices.Clone(c.prefix), "--no-such-flag")...)
				if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--no-such-flag") {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and the flag named on stderr", r.cmd, r.code, r.stdout, r.stderr)
				}
			})
			if c.results {
				t.Run("verbosity and output", func(t *testing.T) {
					t.Parallel()
					for _, flags := range [][]string{{"-v"}, {"--log-level", "debug"}, {"--output", "json"}} {
						r := run(t, bin, append(append(slices.Clone(c.prefix), flags...), "--help")...)
						if r.code != 0 || r.stderr != "" {
							t.Errorf("%s: exit %d, stderr %q; want the flag accepted (exit 0)", r.cmd, r.code, r.stderr)
						}
					}
					for _, bad := range [][]string{{"--log-level", "loud"}, {"--output", "yaml"}} {
						r := run(t, bin, append(slices.Clone(c.prefix), bad...)...)
						if r.code != 2 || !strings.Contains(r.stderr, bad[0]+": ") {
							t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %s", r.cmd, r.code, r.stderr, bad[0])
						}
					}
				})
			}
			if c.interrupt != nil {
				t.Run("interrupt", func(t *testing.T) {
					t.Parallel()
					c.interrupt(t, bin)
				})
			}
		})
	}
	for name := range commands {
		if _, ok := bins[name]; !ok {
			t.Errorf("the conventions table names %s, which is not in cmd/", name)
		}
	}
}

// singleDashFlag is a flag of two letters or more listed as -flag at the
// start of a help line: every help spells flags --flag (one letter: -v).
var singleDashFlag = regexp.MustCompile(`(?m)^\s+-[A-Za-z][A-Za-z0-9-]+`)

// checkHelp runs each spelling of a help and wants the same text, on
// stdout, exit 0, flags spelled --flag.
func checkHelp(t *testing.T, bin, what string, spellings ...[]string) {
	t.Helper()
	var first result
	for i, args := range spellings {
		r := run(t, bin, args...)
		if r.code != 0 || r.stderr != "" || r.stdout == "" {
			t.Errorf("%s: exit %d, stderr %q, %d bytes on stdout; want the help on stdout, exit 0", r.cmd, r.code, r.stderr, len(r.stdout))
			continue
		}
		if i == 0 {
			first = r
			if m := singleDashFlag.FindAllString(r.stdout, -1); len(m) > 0 {
				t.Errorf("%s lists flags with one dash: %q; spell them --flag", r.cmd, m)
			}
			continue
		}
		if r.stdout != first.stdout {
			t.Errorf("%s help: %q and %q print different texts:\n%s\n---\n%s", what, first.cmd, r.cmd, first.stdout, r.stdout)
		}
	}
}

type result struct {
	cmd            string
	code           int
	stdout, stderr string
}

// run runs bin with args in a sandbox, no stdin, bounded by 30s.
func run(t *testing.T, bin string, args ...string) result {
	t.Helper()
	r := testbin.NewSandbox(t).Run(t, 30*time.Second, nil, creds, bin, args...)
	return result{cmd: filepath.Base(bin) + " " + strings.Join(args, " "), code: r.Code, stdout: r.Stdout, stderr: r.Stderr}
}

// creds are made-up AWS credentials; the sandbox has no AWS configuration
// and no instance metadata: nothing reaches a real account.
var creds = []string{"AWS_ACCESS_KEY_ID=AKIDCONVENTIONS", "AWS_SECRET_ACCESS_KEY=conventions"}

// interrupt starts bin in a sandbox with stdin, waits (at most 60s) until
// busy says it is busy, sends SIGINT and wants exit code want within 30s,
// with says on stderr.
func interrupt(t *testing.T, bin string, stdin io.Reader, args []string, busy func(p *testbin.Proc) bool, want int, says string) {
	t.Helper()
	name := filepath.Base(bin) + " " + strings.Join(args, " ")
	p := testbin.NewSandbox(t).Start(t, stdin, creds, bin, args...)
	for deadline := time.Now().Add(60 * time.Second); !busy(p); time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.Done():
			r, _ := p.Wait(0)
			t.Fatalf("%s ended (exit %d) before it was busy:\n%s", name, r.Code, r.Stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not busy within 60s:\n%s", name, p.Stderr())
		}
	}
	p.Signal(t, syscall.SIGINT)
	r, ok := p.Wait(30 * time.Second)
	if !ok {
		t.Fatalf("%s: still running 30s after SIGINT:\n%s", name, r.Stderr)
	}
	if r.Code != want || !strings.Contains(r.Stderr, says) {
		t.Errorf("%s, interrupted: exit %d, want %d and %q on stderr:\n%s", name, r.Code, want, says, r.Stderr)
	}
}

// buildAll builds every command in cmd/ with one go build (the links run
// in parallel) and the test binary's flags (-race under make test, which
// reuses the packages go test compiled), into the test's directory.
func buildAll(t *testing.T) map[string]string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds every command")
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bins := map[string]string{}
	args := append([]string{"build"}, testbin.Flags()...)
	args = append(args, "-o", dir+string(filepath.Separator))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e.Name(), "main.go")); e.IsDir() && err == nil {
			args = append(args, "./"+e.Name())
			bins[e.Name()] = filepath.Join(dir, e.Name())
		}
	}
	start := time.Now()
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("built %d commands in %s", len(bins), time.Since(start).Round(time.Millisecond))
	if len(bins) < 6 {
		t.Fatalf("found %d commands in cmd/ (%v): want every one", len(bins), bins)
	}
	return bins
}

package cmdline

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args           []string
		code           int
		done           bool
		stdout, stderr string
		output         Output
		level          slog.Level
		endpoints      []string
	}{
		{args: nil, output: Text, level: slog.LevelWarn},
		{args: []string{"--help"}, code: ExitOK, done: true, stdout: "Usage: t"},
		{args: []string{"-h"}, code: ExitOK, done: true, stdout: "Usage: t"},
		{args: []string{"help"}, code: ExitOK, done: true, stdout: "Usage: t"},
		{args: []string{"help", "help"}, code: ExitOK, done: true, stdout: "Usage: t"},
		{args: []string{"help", "permissions"}, code: ExitUsage, done: true, stderr: `t help: t has no command "permissions" (it has no subcommands)`},
		{args: []string{"--nope"}, code: ExitUsage, done: true, stderr: "t: flag provided but not defined: --nope\nRun `t --help` for usage."},
		{args: []string{"--output"}, code: ExitUsage, done: true, stderr: "t: flag needs an argument: --output\n"},
		{args: []string{"stray"}, code: ExitUsage, done: true, stderr: `unexpected argument "stray"`},
		{args: []string{"--output", "json"}, output: JSON, level: slog.LevelWarn},
		{args: []string{"--output", "table"}, output: Text, level: slog.LevelWarn},
		{args: []string{"--output", "yaml"}, code: ExitUsage, done: true, stderr: `want text or json, got "yaml"`},
		{args: []string{"-v"}, output: Text, level: slog.LevelDebug},
		{args: []string{"--log-level", "error", "-v"}, output: Text, level: slog.LevelDebug},
		{args: []string{"--log-level", "info"}, output: Text, level: slog.LevelInfo},
		{args: []string{"--log-level", "loud"}, code: ExitUsage, done: true, stderr: "want debug, info, warn or error"},
		{args: []string{"--endpoint", "a", "--endpoint", "b"}, output: Text, level: slog.LevelWarn, endpoints: []string{"a", "b"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.Usage = func() { fmt.Fprintln(fs.Output(), "Usage: t [flags]") }
			out := OutputFlag(fs, "")
			verb := VerbosityFlags(fs, slog.LevelWarn)
			var eps Strings
			fs.Var(&eps, "endpoint", "")
			var stdout, stderr bytes.Buffer
			code, done := Parse(fs, tc.args, &stdout, &stderr, false)
			if code != tc.code || done != tc.done {
				t.Fatalf("Parse = %d, %v; want %d, %v (stderr %q)", code, done, tc.code, tc.done, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) || (tc.stdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) || (tc.stderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
			if done {
				return
			}
			if *out != tc.output || verb.Level() != tc.level {
				t.Errorf("output %q level %v, want %q %v", *out, verb.Level(), tc.output, tc.level)
			}
			if strings.Join(eps, "|") != strings.Join(tc.endpoints, "|") {
				t.Errorf("endpoints %q, want %q", eps, tc.endpoints)
			}
		})
	}
}

func TestUsageError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("resolving: %w", Usagef("--region %q: not a region", "mars"))
	if !IsUsage(err) || IsUsage(fmt.Errorf("plain")) {
		t.Fatal("IsUsage does not see through wrapping, or sees a usage error where there is none")
	}
	if got := err.Error(); got != `resolving: --region "mars": not a region` {
		t.Fatalf("message %q", got)
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if Interrupted(ctx) {
		t.Error("a live context is not interrupted")
	}
	cancel()
	if !Interrupted(ctx) {
		t.Error("a cancelled context (a signal) is interrupted")
	}
	dl, stop := context.WithTimeout(context.Background(), 0)
	defer stop()
	<-dl.Done()
	if Interrupted(dl) {
		t.Error("a deadline is not an interruption")
	}
}

// TestHelp: `help`, `help TOPIC` and `help help` print what --help prints;
// an unknown topic is a usage error naming the commands.
func TestHelp(t *testing.T) {
	t.Parallel()
	topics := map[string]func(io.Writer){
		"":            func(w io.Writer) { fmt.Fprint(w, "main help") },
		"permissions": func(w io.Writer) { fmt.Fprint(w, "permissions help") },
	}
	for _, tc := range []struct {
		args           []string
		code           int
		done           bool
		stdout, stderr string
	}{
		{args: nil},
		{args: []string{"--local"}},
		{args: []string{"permissions", "help"}}, // not a help request: the subcommand's business
		{args: []string{"help"}, done: true, stdout: "main help"},
		{args: []string{"help", "help"}, done: true, stdout: "main help"},
		{args: []string{"help", "permissions"}, done: true, stdout: "permissions help"},
		{args: []string{"help", "nope"}, code: ExitUsage, done: true, stderr: "v help: unknown command \"nope\"; the commands are permissions, help\n"},
		{args: []string{"help", "permissions", "more"}, code: ExitUsage, done: true, stderr: "v help: one command at a time"},
	} {
		var stdout, stderr bytes.Buffer
		code, done := Help("v", tc.args, topics, &stdout, &stderr)
		if code != tc.code || done != tc.done || stdout.String() != tc.stdout || !strings.HasPrefix(stderr.String(), tc.stderr) || (tc.stderr == "") != (stderr.Len() == 0) {
			t.Errorf("Help(%q) = %d, %v, stdout %q, stderr %q; want %d, %v, %q, %q", tc.args, code, done, stdout.String(), stderr.String(), tc.code, tc.done, tc.stdout, tc.stderr)
		}
	}
}

// TestPrintDefaults: flags are listed --name (one-letter ones -v), with
// flag.PrintDefaults' layout, argument names and defaults.
func TestPrintDefaults(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("stage-timeout", "10s", "bound on each `STAGE`")
	VerbosityFlags(fs, slog.LevelWarn)
	fs.Int("j", 0, "jobs")
	var b bytes.Buffer
	fs.SetOutput(&b)
	PrintDefaults(fs)
	want := "  -j int\n    \tjobs\n" +
		"  --log-level LEVEL\n    \tLEVEL of logs on stderr: debug, info, warn or error (default warn)\n" +
		"  --stage-timeout STAGE\n    \tbound on each STAGE (default \"10s\")\n" +
		"  -v\tdebug logs on stderr (--log-level debug)\n"
	if b.String() != want {
		t.Errorf("PrintDefaults:\n%s\nwant:\n%s", b.String(), want)
	}
	if fs.Output() != &b {
		t.Error("PrintDefaults changed the flag set's output")
	}
}

func TestFlagError(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Duration("latency", 0, "")
	fs.Bool("yes", false, "")
	for args, want := range map[string]string{
		"--nope":            "flag provided but not defined: --nope",
		"-nope":             "flag provided but not defined: --nope",
		"--latency -20m":    "invalid value \"-20m\" for flag --latency: parse error",
		"--latency":         "flag needs an argument: --latency",
		"--latency=fast":    "invalid value \"fast\" for flag --latency: parse error",
		"--yes=maybe":       "invalid boolean value \"maybe\" for --yes: parse error",
		"---latency=1s":     "bad flag syntax: ---latency=1s",
		"--latency=-20m -x": "flag provided but not defined: -x", // one letter: -x
	} {
		err := fs.Parse(strings.Fields(args))
		if err == nil {
			if args == "--latency -20m" {
				continue // -20m parses as a negative duration
			}
			t.Errorf("%s: parsed", args)
			continue
		}
		if got := FlagError(err); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
}

func TestFaultSyntax(t *testing.T) {
	t.Parallel()
	ids, err := BrokerIDs(" 1, 3,,")
	if err != nil || fmt.Sprint(ids) != "[1 3]" {
		t.Errorf("BrokerIDs: %v %v", ids, err)
	}
	if _, err := BrokerIDs("1,x"); err == nil || !strings.Contains(err.Error(), `"x" is not a broker id`) {
		t.Errorf("BrokerIDs(1,x): %v", err)
	}
	atoi := func(s string) (int, error) { return strconv.Atoi(s) }
	for _, tc := range []struct {
		in, want, err string
		old           bool
	}{
		{in: "1:2, 3:1", want: "1→2 3→1"},
		{in: "1=2", want: "1→2", old: true},
		{in: "1:2,3=1", want: "1→2 3→1", old: true},
		{in: "1-2", err: `"1-2": want <broker id>:<value>, e.g. 1:2`},
		{in: "x:2", err: `"x:2": want <broker id>:<value>`},
		{in: "1:x", err: `"1:x": strconv.Atoi`},
		{in: "1:2,1:3", err: "broker 1 is given twice (1:2 and 1:3): give each broker once"},
	} {
		pairs, old, err := IDValues(tc.in, atoi)
		var got []string
		for _, p := range pairs {
			got = append(got, fmt.Sprintf("%d→%d", p.ID, p.Value))
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("IDValues(%q): %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tc.want || old != tc.old {
			t.Errorf("IDValues(%q) = %s, old %v, %v; want %s, old %v", tc.in, got, old, err, tc.want, tc.old)
		}
	}
	if n, v := FaultSpec("route-nlb=1:2"); n != "route-nlb" || v != "1:2" {
		t.Errorf("FaultSpec: %q %q", n, v)
	}
	if n, v := FaultSpec("reject-credentials"); n != "reject-credentials" || v != "" {
		t.Errorf("FaultSpec: %q %q", n, v)
	}
}

// TestNoArgs: a command without arguments (a Lambda's bootstrap) answers
// help as every command does and refuses anything else, naming it.
func TestNoArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args           []string
		code           int
		done           bool
		stdout, stderr string
	}{
		{args: nil},
		{args: []string{"--help"}, done: true, stdout: "fn: a Lambda\n"},
		{args: []string{"-h"}, done: true, stdout: "fn: a Lambda\n"},
		{args: []string{"help"}, done: true, stdout: "fn: a Lambda\n"},
		{args: []string{"help", "help"}, done: true, stdout: "fn: a Lambda\n"},
		{args: []string{"--region", "x"}, code: ExitUsage, done: true, stderr: "fn: flag provided but not defined: --region\nRun `fn --help` for usage.\n"},
		{args: []string{"run"}, code: ExitUsage, done: true, stderr: "fn: unexpected argument \"run\": fn takes no arguments\nRun `fn --help` for usage.\n"},
	} {
		var stdout, stderr bytes.Buffer
		code, done := NoArgs("fn", "fn: a Lambda\n", tc.args, &stdout, &stderr)
		if code != tc.code || done != tc.done || stdout.String() != tc.stdout || stderr.String() != tc.stderr {
			t.Errorf("NoArgs(%q) = %d, %v, stdout %q, stderr %q; want %d, %v, %q, %q", tc.args, code, done, stdout.String(), stderr.String(), tc.code, tc.done, tc.stdout, tc.stderr)
		}
	}
}

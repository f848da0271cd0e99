package cmdline

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
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
		{args: []string{"--nope"}, code: ExitUsage, done: true, stderr: "t: flag provided but not defined: -nope\nRun `t --help` for usage."},
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

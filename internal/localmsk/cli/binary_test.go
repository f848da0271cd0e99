package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		t.Fatalf("run: %v", err)
		return -1
	}
}

// TestBinaryExitCodes runs the built command as a shell does: every bad
// flag exits 2 with one "localmsk: " line on stderr and nothing on stdout,
// --help prints once on stdout and exits 0, a start failure exits 1.
func TestBinaryExitCodes(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/localmsk")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr, or in stdout for --help
	}{
		{[]string{"--help"}, 0, "Exit codes"},
		{[]string{"-h"}, 0, "Exit codes"},
		{[]string{"--brokers", "0"}, 2, "localmsk: --brokers 0: use 1 to 30"},
		{[]string{"--brokers", "99999999999999999999"}, 2, "localmsk: invalid value"},
		{[]string{"--max-session", "0s"}, 2, "localmsk: --max-session 0s"},
		{[]string{"--connect-rate-limit", "NaN"}, 2, "localmsk: --connect-rate-limit NaN"},
		{[]string{"--rolling-restart", "-1s"}, 2, "localmsk: --rolling-restart -1s: each broker must be away a positive time"},
		{[]string{"--topic", "__consumer_offsets"}, 2, "localmsk: --topic: topic name \"__consumer_offsets\" is internal"},
		{[]string{"--nlb-down", "4"}, 2, "localmsk: --nlb-down 4: broker 4 does not exist"},
		{[]string{"--replace-broker", "4"}, 2, "localmsk: --replace-broker 4: broker 4 does not exist"},
		{[]string{"--replace-broker", "two"}, 2, "localmsk: --replace-broker two: \"two\" is not a broker id"},
		{[]string{"--no-such-flag"}, 2, "localmsk: flag provided but not defined: --no-such-flag"},
		{[]string{"stray"}, 2, `localmsk: unexpected argument "stray"`},
		{[]string{"--kafka-version", "2.8.1"}, 2, "localmsk: --kafka-version"},
		{[]string{"--dir", notDir}, 2, "localmsk: --dir " + notDir + " is not a directory"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			cmd := testbin.Command(t, context.Background(), bin, tc.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if code := exitCode(t, cmd.Run()); code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			out, errs := stdout.String(), stderr.String()
			switch tc.code {
			case 0:
				if errs != "" || strings.Count(out, tc.want) != 1 || strings.Count(out, "Usage:") != 1 {
					t.Errorf("--help: want the usage once on stdout and nothing on stderr; stdout:\n%s\nstderr: %q", out, errs)
				}
			default:
				if out != "" || !strings.HasPrefix(errs, tc.want) || strings.Count(errs, "localmsk:") != 1 {
					t.Errorf("want stdout empty and stderr starting %q with one \"localmsk:\" prefix; stdout %q, stderr %q", tc.want, out, errs)
				}
			}
		})
	}
}

// TestBinaryOwnsItsDir: a running localmsk keeps its --dir; a second one
// on it exits 2 naming the first's pid and changes none of its files; a
// policy naming an action MSK lacks is a warning, not a refusal; SIGINT
// stops it with exit 0.
func TestBinaryOwnsItsDir(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/localmsk")
	dir := t.TempDir()
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kafka-cluster:*","kafka-cluster:Conect","kafka-cluster:WriteDatas"],"Resource":"*"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	first := testbin.Command(t, context.Background(), bin, "--dir", dir, "--policy", policy, "--log-level", "warn")
	var stdout, stderr syncBuffer
	first.Stdout, first.Stderr = &stdout, &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	defer first.Process.Kill()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(stdout.String(), "Ctrl-C") {
		select {
		case err := <-exited:
			t.Fatalf("localmsk exited (%v) before it was up\nstderr: %s", err, stderr.String())
		case <-deadline:
			t.Fatalf("localmsk not up within 10s\nstderr: %s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if want := "localmsk: warning: --policy " + policy + " names actions MSK does not define, which grant nothing: kafka-cluster:Conect, kafka-cluster:WriteDatas ("; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr %q, want it to start %q", stderr.String(), want)
	}
	snapshot := func() string {
		var b strings.Builder
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			c, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			fmt.Fprintf(&b, "%s=%q\n", e.Name(), c)
		}
		return b.String()
	}
	before := snapshot()
	for _, args := range [][]string{{"--dir", dir}, {"--dir", dir, "--stock-clients"}} {
		second := testbin.Command(t, context.Background(), bin, args...)
		var out, errs bytes.Buffer
		second.Stdout, second.Stderr = &out, &errs
		if code := exitCode(t, second.Run()); code != 2 {
			t.Errorf("%v: exit %d, want 2\nstderr: %s", args, code, errs.String())
		}
		if want := fmt.Sprintf("localmsk: another localmsk (pid %d) is running on %s", first.Process.Pid, dir); !strings.HasPrefix(errs.String(), want) || out.Len() > 0 {
			t.Errorf("%v: stdout %q, stderr %q; want stderr to start %q", args, out.String(), errs.String(), want)
		}
		if after := snapshot(); after != before {
			t.Errorf("%v changed the running environment's files:\nbefore %s\nafter %s", args, before, after)
		}
	}
	if err := first.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if code := exitCode(t, err); code != 0 {
			t.Errorf("after SIGINT: exit %d, want 0\nstderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("localmsk did not stop within 10s of SIGINT")
	}
	if !strings.HasSuffix(stderr.String(), "localmsk: stopping\n") {
		t.Errorf("stderr does not end with the stop line: %q", stderr.String())
	}
}

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the tests run this binary as deploy itself.
func TestMain(m *testing.M) {
	if os.Getenv("DEPLOY_TEST_MAIN") == "1" {
		os.Args = append([]string{"bin/deploy"}, os.Args[1:]...)
		main()
	}
	os.Exit(m.Run())
}

func TestInvokedAs(t *testing.T) {
	t.Parallel()
	for arg0, want := range map[string]string{
		"/tmp/go-build3141592/b001/exe/deploy": "go run ./cmd/deploy",
		"bin/deploy":                           "bin/deploy",
		"./bin/deploy":                         "./bin/deploy",
		"deploy":                               "deploy",
	} {
		if got := invokedAs(arg0); got != want {
			t.Errorf("invokedAs(%q) = %q, want %q", arg0, got, want)
		}
	}
}

// </dev/null is a character device but no terminal: apply refuses before
// anything is planned or written.
func TestDevNullIsNotATerminal(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	cmd := exec.Command(os.Args[0], "apply", "--region", "us-east-1", "--prefix", "demo", "--cidr-block", "172.18.0.0/16", "--owner", "me@example.com")
	cmd.Env = append(os.Environ(), "DEPLOY_TEST_MAIN=1", "XDG_STATE_HOME="+state, "MSKVPCE_SKIP_IDENTITY_CHECK=1")
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd.Stdin = devnull
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "stdin is not a terminal") {
		t.Fatalf("apply </dev/null: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(state); len(entries) > 0 {
		t.Errorf("apply </dev/null wrote %s", entries[0].Name())
	}
}

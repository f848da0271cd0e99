package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

func TestRunUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"-help"}, 0, "Exit codes"},
		{[]string{"-checks", "bogus"}, 2, `unknown check "bogus"`},
		{[]string{"-no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"-root", t.TempDir(), "-bin", t.TempDir()}, 2, "tflint, "},
		{[]string{"-root", t.TempDir(), "-bin", t.TempDir(), "-checks", "validate"}, 2, "terraformrc: run `make tools` first"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), &out, &errOut, tc.args)
		all := out.String() + errOut.String()
		if code != tc.wantCode || !strings.Contains(all, tc.wantOut) {
			t.Errorf("tfgate %v: exit %d, want %d; output lacks %q:\n%s", tc.args, code, tc.wantCode, tc.wantOut, all)
		}
	}
}

func TestHelpOnStdout(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), &out, &errOut, []string{"--help"}); code != 0 || errOut.Len() != 0 || strings.Count(out.String(), "Usage:") != 1 {
		t.Fatalf("tfgate --help: exit %d, stderr %q, stdout:\n%s", code, errOut.String(), out.String())
	}
}

// TestHelpGolden pins tfgate --help (the same on every machine: -j's default
// is "one per CPU", not this machine's count); refresh with -update.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), &out, &errOut, []string{"--help"}); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	golden.Check(t, "help-tfgate", out.Bytes())
}

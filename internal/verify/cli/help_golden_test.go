package cli_test

import (
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

// TestHelpGolden pins verify's --help texts (on stdout); refresh with -update.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"help-verify":             {"--help"},
		"help-verify-permissions": {"permissions", "--help"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := run(t, "", args...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			golden.Check(t, name, []byte(out))
		})
	}
}

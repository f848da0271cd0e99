package cli_test

import (
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

// TestHelpGolden pins verify's --help texts (on stdout); refresh with
// -update. `verify help [permissions]` prints the same (issue 30: they
// exited 2).
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	for name, spellings := range map[string][][]string{
		"help-verify":             {{"--help"}, {"help"}, {"help", "help"}, {"-h"}},
		"help-verify-permissions": {{"permissions", "--help"}, {"help", "permissions"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, args := range spellings {
				code, out, errs := run(t, "", args...)
				if code != 0 || errs != "" {
					t.Fatalf("%q: exit %d, stderr %q", args, code, errs)
				}
				golden.Check(t, name, []byte(out))
			}
		})
	}
}

package cli

import (
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

// TestHelpGolden pins `deploy help` and `deploy help <command>` (on stdout);
// refresh with -update.
func TestHelpGolden(t *testing.T) {
	for _, cmd := range commandNames() {
		args, name := []string{"help", cmd}, "help-deploy-"+cmd
		if cmd == "help" {
			args, name = []string{"help"}, "help-deploy"
		}
		t.Run(name, func(t *testing.T) {
			r := newHarness(t).run(args...)
			if r.code != ExitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden.Check(t, name, []byte(r.stdout))
		})
	}
}

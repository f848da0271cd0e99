package remoteverify

import (
	"strings"
	"testing"
)

// TestHelpNamesEveryVariable: --help lists each variable the function
// reads, so the list cannot fall behind ConfigFromEnv.
func TestHelpNamesEveryVariable(t *testing.T) {
	t.Parallel()
	for k := range knownEnv {
		if !strings.Contains(Help, k) {
			t.Errorf("verify-lambda --help does not name %s", k)
		}
	}
}

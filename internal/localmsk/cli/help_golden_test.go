package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

// TestHelpGolden pins localmsk --help (on stdout); refresh with -update.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), &stdout, &stderr, []string{"--help"}); code != 0 || stderr.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	golden.Check(t, "help-localmsk", stdout.Bytes())
}

package awslog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
)

// TestSDKLinesAreDebug: an SDK warning reaches the logger at debug level
// only (shown with -v, hidden at the default level).
func TestSDKLinesAreDebug(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level slog.Level
		shown bool
	}{{slog.LevelDebug, true}, {slog.LevelWarn, false}} {
		var b bytes.Buffer
		l := Logger(slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: tc.level})))
		l.Logf(logging.Warn, "falling back to IMDSv1: %s", "403")
		if got := strings.Contains(b.String(), "aws sdk: falling back to IMDSv1: 403") && strings.Contains(b.String(), "sdk_level=WARN"); got != tc.shown {
			t.Errorf("at level %s: logged %q, want shown=%v", tc.level, b.String(), tc.shown)
		}
	}
}

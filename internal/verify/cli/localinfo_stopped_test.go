package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// TestLocalInfoStoppedEnvironment: --local-info on the info.json of an
// environment that has stopped says so (exit 2) instead of failing every
// path at its NLB stand-in; the same file passes in stock-client mode while
// it runs.
func TestLocalInfoStoppedEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: dir, StockClients: true})
	if err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(dir, "info.json")
	if code, out, errs := run(t, "", "--local-info", info); code != cli.ExitOK || !strings.Contains(out, "PASS: 3 of 3 broker paths") {
		t.Fatalf("stock-client mode: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	env.Close()
	code, out, errs := run(t, "", "--local-info", info)
	want := "the local environment in " + dir + " is not running (start it with `go run ./cmd/localmsk --dir " + dir + "`)"
	if code != cli.ExitUsage || !strings.Contains(errs, want) || strings.Contains(errs+out, "NLB") {
		t.Fatalf("stopped environment: exit %d, want 2 and %q\nstdout:\n%s\nstderr:\n%s", code, want, out, errs)
	}
}

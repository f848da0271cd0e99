// Package testbin builds this module's commands for tests that must run the
// real binary (exit codes, signals), with the race detector exactly when the
// test binary itself has it: the build then reuses the packages `go test`
// already compiled (make test compiles the main module once, with -race),
// and the command's own goroutines are checked by the same detector.
package testbin

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the command at pkg (an import path, or a path relative to
// the calling test's package directory) into the test's temporary directory
// and returns the binary's path. It skips under -short: a build is not a
// short test.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("-short: builds %s", pkg)
	}
	bin := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	args := append(append([]string{"build"}, Flags()...), "-o", bin, pkg)
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		tb.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return bin
}

// Flags are the build flags that match the running test binary.
func Flags() []string {
	if raceEnabled {
		return []string{"-race"}
	}
	return nil
}

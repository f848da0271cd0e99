// Package testbin builds this module's commands for tests that must run the
// real binary (exit codes, signals), with the race detector exactly when the
// test binary itself has it: the build then reuses the packages `go test`
// already compiled (make test compiles the main module once, with -race),
// and the command's own goroutines are checked by the same detector.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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

// shared holds the builds of Shared, one per package path, in a directory
// that Main removes.
var shared struct {
	sync.Mutex
	main bool // Main runs the tests
	dir  string
	bins map[string]build
}

type build struct {
	path string
	err  error
}

// Shared is Build done once per test binary: the tests of a package that
// all run the same command share one build (one link of a large binary
// instead of one per test). The package's TestMain must be testbin.Main,
// which removes the build when the tests end.
func Shared(tb testing.TB, pkg string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("-short: builds %s", pkg)
	}
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		tb.Fatal("testbin.Shared needs the package's TestMain to be testbin.Main: add func TestMain(m *testing.M) { testbin.Main(m) }")
	}
	if b, ok := shared.bins[pkg]; ok {
		if b.err != nil {
			tb.Fatal(b.err)
		}
		return b.path
	}
	var b build
	if shared.dir == "" {
		shared.dir, b.err = os.MkdirTemp("", "testbin-")
	}
	if b.err == nil {
		b.path = filepath.Join(shared.dir, fmt.Sprintf("%d-%s", len(shared.bins), filepath.Base(pkg)))
		args := append(append([]string{"build"}, Flags()...), "-o", b.path, pkg)
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go %v: %v\n%s", args, err, out)
		}
	}
	if shared.bins == nil {
		shared.bins = map[string]build{}
	}
	shared.bins[pkg] = b
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// Main runs a package's tests (call it from TestMain) and then removes
// what Shared built.
func Main(m *testing.M) {
	shared.Lock()
	shared.main = true
	shared.Unlock()
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// Flags are the build flags that match the running test binary.
func Flags() []string {
	if raceEnabled {
		return []string{"-race"}
	}
	return nil
}

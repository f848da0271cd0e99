// Package golden compares a test's output with a file under testdata/ and,
// with `go test ... -update`, rewrites the file instead (the way
// terraform-exec's e2etest/testdata is kept). Only tests import it: its
// -update flag never reaches a command's flags.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// Check compares got with testdata/<name>.golden, or writes it with -update.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	File(t, filepath.Join("testdata", name+".golden"), got)
}

// File compares got with the file at path (a generated file checked in
// elsewhere, e.g. a terraform test), or writes it with -update.
func File(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: create it with `go test -run '%s' -update`", err, t.Name())
		return
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the output (review the change, then refresh with `go test -run '%s' -update`):\n%s", path, t.Name(), diff(string(want), string(got)))
	}
}

// diff lists the lines that differ, numbered: enough to see what changed.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(w), len(g))
	shown := 0
	for i := 0; i < n && shown < 40; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  golden: " + wl + "\n  output: " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

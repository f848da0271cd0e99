package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what File reports.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.msgs = append(r.msgs, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.msgs = append(r.msgs, fmt.Sprintf(f, a...)) }

func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("a\nb\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	File(r, path, []byte("a\nb\nc\n"))
	if len(r.msgs) != 0 {
		t.Fatalf("equal output reported: %q", r.msgs)
	}
	File(r, path, []byte("a\nB\nc\n"))
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "line 2:\n  golden: b\n  output: B") || !strings.Contains(r.msgs[0], "-update") {
		t.Fatalf("a changed line is not reported with its number and the -update hint: %q", r.msgs)
	}
	r.msgs = nil
	File(r, filepath.Join(t.TempDir(), "missing.golden"), []byte("a"))
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "create it with") {
		t.Fatalf("a missing golden file does not say how to create it: %q", r.msgs)
	}
}

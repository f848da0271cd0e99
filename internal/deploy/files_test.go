package deploy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What is not a regular file is refused at once, never read: a FIFO nobody
// writes would block the open forever, /dev/zero the read.
func TestReadRegularFileRefusesWhatCouldBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "a FIFO (named pipe)",
		"/dev/zero": "a device",
		dir:         "a directory",
	} {
		start := time.Now()
		_, err := ReadRegularFile(context.Background(), path)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadRegularFile(%s) = %v, want ErrNotRegular naming it %s", path, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("ReadRegularFile(%s) took %s", path, d)
		}
		if err := CheckRegularFile(path); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckRegularFile(%s) = %v", path, err)
		}
	}
	f := filepath.Join(dir, "vars.tfvars")
	os.WriteFile(f, []byte("region = \"us-east-1\"\n"), 0o600)
	if b, err := ReadRegularFile(context.Background(), f); err != nil || string(b) != "region = \"us-east-1\"\n" {
		t.Errorf("ReadRegularFile(regular) = %q, %v", b, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadRegularFile(ctx, f); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadRegularFile with a cancelled context = %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegularFile(context.Background(), big); err == nil || !strings.Contains(err.Error(), "more than deploy reads") {
		t.Errorf("ReadRegularFile(too big) = %v", err)
	}
	// A var file that is a FIFO is a usage error naming the flag.
	if _, err := ReadVarFile(context.Background(), fifo); err == nil || !strings.Contains(err.Error(), "--var-file "+fifo) {
		t.Errorf("ReadVarFile(fifo) = %v", err)
	}
}

// Tighten takes every permission of other users away: the working
// directory, its data directory and every file directly in it.
func TestTighten(t *testing.T) {
	t.Parallel()
	w := Workdir{Dir: filepath.Join(t.TempDir(), "wd"), Root: "examples/complete"}
	if err := os.MkdirAll(w.DataDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(w.Dir, 0o755)
	for _, f := range []string{w.StateFile(), w.StateFile() + ".backup", w.PlanFile(), w.InputsFile(), w.TerraformLockInfo()} {
		if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o644)
	}
	changed, err := w.Tighten()
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 7 {
		t.Errorf("Tighten changed %d paths, want 7: %v", len(changed), changed)
	}
	err = filepath.WalkDir(w.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, _ := d.Info()
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %04o after Tighten", p, st.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if changed, _ := w.Tighten(); len(changed) != 0 {
		t.Errorf("a second Tighten changed %v", changed)
	}
}

func TestOwned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"missing", nil, true},
		{"empty", []string{}, true},
		{"a deployment", []string{SettingsName, "terraform.tfstate"}, true},
		{"a first run that stopped early", []string{LockName}, true},
		{"someone else's files", []string{".bashrc", "notes.txt"}, false},
	} {
		d := filepath.Join(dir, tc.name)
		if tc.files != nil {
			os.MkdirAll(d, 0o700)
		}
		for _, f := range tc.files {
			os.WriteFile(filepath.Join(d, f), nil, 0o600)
		}
		if got, err := Owned(d); err != nil || got != tc.want {
			t.Errorf("Owned(%s) = %v, %v, want %v", tc.name, got, err, tc.want)
		}
	}
	if got, _ := Owned("/proc/self"); got {
		t.Error("Owned(/proc/self) = true")
	}
}

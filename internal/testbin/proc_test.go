package testbin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCommandKillsTheGroup: when ctx ends, the grandchild a command left
// running in the background dies with it (exec's own Cancel kills only the
// child, and the grandchild would live on).
func TestCommandKillsTheGroup(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := Command(t, ctx, "sh", "-c", "sleep 60 & echo $!; wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sleeper int
	if _, err := fmt.Fscan(out, &sleeper); err != nil {
		t.Fatal(err)
	}
	if !running(sleeper) {
		t.Fatalf("the grandchild (pid %d) is not running", sleeper)
	}
	cancel()
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for running(sleeper) {
		if time.Now().After(deadline) {
			t.Fatalf("the grandchild (pid %d) still runs 5s after ctx ended", sleeper)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running reports whether pid is a live process (a zombie is not: in a
// container nothing may reap it).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	before := Snapshot(t, dir)
	if before != Snapshot(t, dir) {
		t.Fatal("two snapshots of an unchanged directory differ")
	}
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	created := Snapshot(t, dir)
	if created == before {
		t.Error("a created file does not change the snapshot")
	}
	if err := os.Chmod(f, 0o644); err != nil {
		t.Fatal(err)
	}
	if Snapshot(t, dir) == created {
		t.Error("a mode change does not change the snapshot")
	}
}

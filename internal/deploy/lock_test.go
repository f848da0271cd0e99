package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), LockName)
	ctx := context.Background()
	first := Holder{PID: 4242, Host: "build-1", Command: "deploy apply --name demo", Started: time.Now()}
	l, prev, err := AcquireLock(ctx, path, first)
	if err != nil || prev != nil {
		t.Fatalf("first AcquireLock = %v, %v", prev, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %04o, want 0600", st.Mode().Perm())
	}
	// A second holder (another open file description: another process, or
	// another run in this one) is refused, naming the first.
	_, _, err = AcquireLock(ctx, path, Holder{PID: 7, Host: "build-1", Command: "deploy plan --name demo", Started: time.Now()})
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder == nil || locked.Holder.PID != 4242 {
		t.Fatalf("second AcquireLock = %v, want a LockedError naming pid 4242", err)
	}
	for _, want := range []string{"deploy apply --name demo", "pid 4242 on build-1", path, "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	// Released: the next holder finds nobody before it.
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, prev, err := AcquireLock(ctx, path, Holder{PID: 8, Host: "h", Command: "deploy plan", Started: time.Now()})
	if err != nil || prev != nil {
		t.Fatalf("AcquireLock after Release = %v, %v", prev, err)
	}
	// A holder that dies drops the flock with its file descriptors but
	// leaves its name: the next holder learns it never finished.
	l2.f.Close()
	_, prev, err = AcquireLock(ctx, path, Holder{PID: 9, Host: "h", Command: "deploy apply", Started: time.Now()})
	if err != nil || prev == nil || prev.PID != 8 {
		t.Fatalf("AcquireLock after a holder died = %+v, %v; want the dead holder, pid 8", prev, err)
	}
}

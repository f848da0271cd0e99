package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Holder is who holds a deployment's lock, written into the lock file by
// the holder itself, for the refusal another run prints.
type Holder struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// Command is what the holder runs, as the operator would type it
	// without its inputs (they may hold a secret): "deploy apply --name demo".
	Command string    `json:"command"`
	Started time.Time `json:"started"`
}

func (h Holder) String() string {
	return fmt.Sprintf("`%s` (pid %d on %s, started %s)", h.Command, h.PID, h.Host, h.Started.Local().Format("2006-01-02 15:04:05 MST"))
}

// Lock is a deployment lock: an exclusive flock on <workdir>/deploy.lock,
// held by one deploy run from its first write to its end. The kernel drops
// it when the holder exits, however it exits, so a lock is never stale; the
// file's content (the holder) is cleared on Release, so content found by
// the next holder means the last one died without finishing.
type Lock struct {
	f    *os.File
	path string
}

// LockedError is the refusal of a run that found the deployment locked.
type LockedError struct {
	Path string
	// Holder is nil when the holder has not written itself yet (it took the
	// lock a moment ago) or the file cannot be read.
	Holder *Holder
}

func (e *LockedError) Error() string {
	who := "another deploy run (it has not said which yet: it started a moment ago)"
	if e.Holder != nil {
		who = e.Holder.String()
	}
	return fmt.Sprintf("deployment is in use by %s, which holds %s: wait until it ends and run again (nothing was changed)", who, e.Path)
}

// AcquireLock takes the lock in path (created 0600 when missing) without
// waiting. It returns the lock, and the previous holder when that one never
// released it (it was killed, or its machine went down).
func AcquireLock(ctx context.Context, path string, me Holder) (*Lock, *Holder, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open the deployment lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		defer f.Close()
		if !errors.Is(err, errWouldBlock) {
			return nil, nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder writes itself right after taking the lock: give it a moment.
		var h *Holder
		for i := 0; i < 10 && h == nil && ctx.Err() == nil; i++ {
			if h = readHolder(f); h == nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
		return nil, nil, &LockedError{Path: path, Holder: h}
	}
	prev := readHolder(f)
	b, _ := json.Marshal(me)
	if err := rewrite(f, append(b, '\n')); err != nil {
		_ = unlock(f)
		f.Close()
		return nil, nil, fmt.Errorf("write the deployment lock %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, prev, nil
}

// Release clears the holder and drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := rewrite(l.f, nil)
	if uerr := unlock(l.f); err == nil {
		err = uerr
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func rewrite(f *os.File, b []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

func readHolder(f *os.File) *Holder {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}

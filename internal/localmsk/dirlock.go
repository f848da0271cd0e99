package localmsk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the file in Options.Dir whose flock(2) marks the directory
// as owned by a running environment; it holds the owner's pid. The kernel
// drops the lock when the process ends, however it ends.
const lockFileName = "localmsk.lock"

// RunningError is Start's answer when another environment owns the
// directory: nothing in it was touched.
type RunningError struct {
	Dir string
	PID int // 0 if unknown
}

func (e *RunningError) Error() string {
	who := "another localmsk"
	stop := "stop it"
	if e.PID > 0 {
		who = fmt.Sprintf("another localmsk (pid %d)", e.PID)
		stop = fmt.Sprintf("stop it (Ctrl-C in its shell, or kill %d)", e.PID)
	}
	return fmt.Sprintf("%s is running on %s: %s, or pass another --dir; its files were left alone", who, e.Dir, stop)
}

// NotRunningError is LoadInfo's answer for an info.json whose environment
// has stopped.
type NotRunningError struct {
	Dir     string
	Command string // how it was started, if info.json says
}

func (e *NotRunningError) Error() string {
	cmd := e.Command
	if cmd == "" {
		cmd = "go run ./cmd/localmsk --dir " + e.Dir
	}
	return fmt.Sprintf("the local environment in %s is not running (start it with `%s`)", e.Dir, cmd)
}

// lockDir takes the directory's lock or says who holds it.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	// O_NOFOLLOW: a link planted as the lock file is refused, not followed.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := regular(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := os.ReadFile(path)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &RunningError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// running reports whether an environment holds dir's lock. A directory
// without a lock file was written by an older localmsk: assume it runs.
func running(dir string) (bool, error) {
	// O_NONBLOCK: a FIFO in its place cannot hold the open.
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := regular(f); err != nil {
		return false, fmt.Errorf("%s: %w", f.Name(), err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	switch {
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("check the lock of %s: %w", dir, err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}

// regular refuses an open file that is not a regular file (a FIFO or a
// device planted in the directory).
func regular(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s): remove it", fi.Mode().Type())
	}
	return nil
}

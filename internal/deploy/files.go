package deploy

// Reading the files deploy is given or keeps, and keeping them private.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrNotRegular is wrapped by the errors of ReadRegularFile and
// CheckRegularFile for a path that is a FIFO, a device, a socket or a
// directory where a regular file is meant: opening or reading one can block
// forever (a FIFO nobody writes) or never end (/dev/zero).
var ErrNotRegular = errors.New("not a regular file")

// MaxFileSize bounds every file deploy reads (var files, settings, lock
// info): all of them are small, and a bound keeps a mistake such as a huge
// log passed as --var-file from exhausting memory.
const MaxFileSize = 16 << 20

// CheckRegularFile reports an error naming path unless it is a regular file
// (after following symlinks).
func CheckRegularFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return regular(path, st)
}

func regular(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	kind := "a special file"
	switch m := st.Mode(); {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%s is %s, %w: pass a file", path, kind, ErrNotRegular)
}

// ReadRegularFile reads path, a regular file of at most MaxFileSize bytes.
// It never blocks on what is not one: the open does not wait for a FIFO's
// writer (O_NONBLOCK) and the opened file is checked before anything is
// read. ctx is checked between reads, so a slow filesystem is cancellable
// at every chunk.
func ReadRegularFile(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(path, st); err != nil {
		return nil, err
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, more than deploy reads (%d): is it the right file?", path, st.Size(), MaxFileSize)
	}
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.Read(chunk)
		buf.Write(chunk[:n])
		if buf.Len() > MaxFileSize {
			return nil, fmt.Errorf("%s grew past %d bytes while being read", path, MaxFileSize)
		}
		if errors.Is(err, io.EOF) {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// PrivateDir creates dir (and missing parents, 0700) or, when it exists
// with permissions for others, takes them away. It returns the mode it had
// when it was tightened.
func PrivateDir(dir string) (was fs.FileMode, tightened bool, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return 0, false, err
	}
	if !st.IsDir() {
		return 0, false, fmt.Errorf("%s is not a directory", dir)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return 0, false, nil
	}
	return st.Mode().Perm(), true, os.Chmod(dir, st.Mode().Perm()&0o700)
}

// WriteFileAtomic writes path through a temporary file in the same
// directory (created 0700 when missing), so a reader sees the old content
// or the new, never a part.
func WriteFileAtomic(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

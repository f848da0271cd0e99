// Package inputfile reads the files an operator names on a command line
// (Terraform outputs, an IAM policy, a local environment's info.json, a CA
// bundle): regular files only, so that a FIFO, a device, a socket or a
// directory is refused at once instead of blocking forever in open(2) or
// read(2), and every read bounded by a context and a size limit.
package inputfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is what every refusal of a FIFO, device, socket or
// directory wraps.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is what a file over the caller's size limit wraps.
var ErrTooLarge = errors.New("larger than expected")

// Error is a failure to read the file at Path. Its message names the path
// once ("PATH: reason"), so that callers add only the flag and the fix.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// kindError is a refusal of something other than a regular file; it says
// what the path is.
type kindError struct{ kind string }

func (e *kindError) Error() string {
	return e.kind + ", not a regular file: pass a file (a pipe, device or socket could block forever)"
}
func (e *kindError) Unwrap() error { return ErrNotRegular }

// Kind names what a non-regular file is, for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	default:
		return "not a regular file (" + m.Type().String() + ")"
	}
}

// Check reports whether path names a regular file (symbolic links
// followed), without opening it: an *Error wrapping ErrNotRegular, the
// stat error (fs.ErrNotExist...), or nil.
func Check(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if !fi.Mode().IsRegular() {
		return &Error{Path: path, Err: &kindError{kind(fi.Mode())}}
	}
	return nil
}

// CheckExisting is Check for files that may be absent (an SDK's optional
// configuration files): nil for a path that does not exist, the first
// refusal otherwise. Files another library reads with os.ReadFile cannot
// be bounded by a context; refusing a FIFO before the call is what can.
func CheckExisting(paths ...string) error {
	for _, p := range paths {
		if err := Check(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Read returns the content of the regular file at path, refusing anything
// else before it is opened, and a file of more than limit bytes
// (ErrTooLarge). It returns ctx's error as soon as ctx ends, even if the
// read itself hangs (a stalled network file system).
func Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := Check(path); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should path have become a FIFO since Check, open(2)
	// returns at once instead of waiting for a writer; fstat below refuses
	// it. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, &Error{Path: path, Err: unwrapPath(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, Err: unwrapPath(err)}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Path: path, Err: &kindError{kind(fi.Mode())}}
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(f, limit+1))
		done <- result{b, err}
	}()
	select {
	case <-ctx.Done():
		f.Close() // unblocks the read where the file system allows it
		return nil, ctx.Err()
	case r := <-done:
		f.Close()
		switch {
		case r.err != nil:
			return nil, &Error{Path: path, Err: unwrapPath(r.err)}
		case int64(len(r.b)) > limit:
			return nil, &Error{Path: path, Err: fmt.Errorf("%w: more than %s", ErrTooLarge, size(limit))}
		}
		return r.b, nil
	}
}

// ReadStream reads r (stdin, a pipe) to its end, at most limit bytes
// (ErrTooLarge beyond), and returns ctx's error as soon as ctx ends: a
// writer that never closes its end cannot hold the command. The read
// itself is abandoned, not stopped; callers exit soon after.
func ReadStream(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		done <- result{b, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		switch {
		case r.err != nil:
			return nil, r.err
		case int64(len(r.b)) > limit:
			return nil, fmt.Errorf("%w: more than %s", ErrTooLarge, size(limit))
		}
		return r.b, nil
	}
}

// unwrapPath drops an *fs.PathError's own "op path: " so that the path is
// named once.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

package inputfile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular.json")
	if err := os.WriteFile(regular, []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	linkToFIFO := filepath.Join(dir, "link-to-fifo")
	linkToFile := filepath.Join(dir, "link-to-file")
	for target, link := range map[string]string{fifo: linkToFIFO, regular: linkToFile} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })

	for _, tc := range []struct {
		name, path string
		limit      int64
		want       string // content, or the error's message
		is         error
	}{
		{"regular file", regular, 100, `{"a":1}`, nil},
		{"symlink to a regular file", linkToFile, 100, `{"a":1}`, nil},
		{"exactly the limit", regular, 7, `{"a":1}`, nil},
		{"over the limit", regular, 6, regular + ": larger than expected: more than 6 bytes", ErrTooLarge},
		{"missing", filepath.Join(dir, "none"), 100, filepath.Join(dir, "none") + ": no such file or directory", fs.ErrNotExist},
		{"FIFO", fifo, 100, fifo + ": a named pipe (FIFO), not a regular file", ErrNotRegular},
		{"symlink to a FIFO", linkToFIFO, 100, linkToFIFO + ": a named pipe (FIFO), not a regular file", ErrNotRegular},
		{"directory", dir, 100, dir + ": a directory, not a regular file", ErrNotRegular},
		{"character device", "/dev/null", 100, "/dev/null: a character device, not a regular file", ErrNotRegular},
		{"socket", sock, 100, sock + ": a socket, not a regular file", ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			b, err := Read(context.Background(), tc.path, tc.limit)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s", d)
			}
			if tc.is == nil {
				if err != nil || string(b) != tc.want {
					t.Fatalf("got %q, %v; want %q", b, err, tc.want)
				}
				return
			}
			if err == nil || !errors.Is(err, tc.is) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err %v; want one that is %v and starts %q", err, tc.is, tc.want)
			}
			if n := strings.Count(err.Error(), tc.path); n != 1 {
				t.Errorf("%q names the path %d times, want once", err, n)
			}
		})
	}
}

// A context that has ended stops Read before it opens anything.
func TestReadCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, "/dev/null", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// ReadStream returns when its context ends although the writer never
// closes; it reads a stream that ends, and refuses one over the limit.
func TestReadStream(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := ReadStream(ctx, pr, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %s, want about 100ms", d)
	}
	if b, err := ReadStream(context.Background(), strings.NewReader("0123456789"), 10); err != nil || string(b) != "0123456789" {
		t.Errorf("got %q, %v", b, err)
	}
	if _, err := ReadStream(context.Background(), strings.NewReader("0123456789!"), 10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
}

func TestCheckExisting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckExisting(filepath.Join(dir, "absent"), "/etc/hostname"); err != nil {
		t.Errorf("absent and regular files: %v", err)
	}
	if err := CheckExisting(filepath.Join(dir, "absent"), fifo); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a FIFO: %v, want ErrNotRegular", err)
	}
}

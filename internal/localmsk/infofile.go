package localmsk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/inputfile"
)

// InfoFileName is the file in Options.Dir that describes the environment.
const InfoFileName = "info.json"

// maxInfoFile bounds what LoadInfo reads: info.json is a few KiB, the
// enforced policy included.
const maxInfoFile = 4 << 20

// ParseInfo decodes an info.json document: one JSON object and nothing
// after it.
func ParseInfo(b []byte) (Info, error) {
	var info Info
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&info); err != nil {
		return Info{}, err
	}
	if dec.More() {
		return Info{}, errors.New("data after the JSON object")
	}
	return info, nil
}

// LoadInfo reads the info.json of an environment and checks that the
// environment is still running, so that a stopped one is reported as
// stopped (*NotRunningError) rather than as brokers that refuse
// connections. Errors name path once; a FIFO or device is refused before
// it is opened, and the read returns when ctx ends.
func LoadInfo(ctx context.Context, path string) (Info, error) {
	b, err := inputfile.Read(ctx, path, maxInfoFile)
	switch {
	case ctx.Err() != nil:
		return Info{}, ctx.Err()
	case errors.Is(err, fs.ErrNotExist) && filepath.Base(path) == InfoFileName:
		return Info{}, fmt.Errorf("%s does not exist: start the local environment with `go run ./cmd/localmsk --dir %s` and pass the %s it writes", path, filepath.Dir(path), InfoFileName)
	case errors.Is(err, fs.ErrNotExist):
		return Info{}, fmt.Errorf("%s does not exist: pass the %s a local environment writes into its --dir (`go run ./cmd/localmsk --dir .localmsk` writes .localmsk/%s)", path, InfoFileName, InfoFileName)
	case errors.Is(err, inputfile.ErrNotRegular) && isDir(path):
		return Info{}, fmt.Errorf("%s is a directory: pass the %s in it (%s)", path, InfoFileName, filepath.Join(path, InfoFileName))
	case err != nil:
		return Info{}, err
	}
	info, err := ParseInfo(b)
	if err != nil {
		return Info{}, fmt.Errorf("%s is not a local environment %s: %w", path, InfoFileName, err)
	}
	dir := filepath.Dir(path)
	up, err := running(dir)
	if err != nil {
		return info, fmt.Errorf("%s: %w", path, err)
	}
	if !up {
		return info, fmt.Errorf("%s: %w", path, &NotRunningError{Dir: dir, Command: info.Command})
	}
	return info, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// writeFile replaces path with data through a new file in the same
// directory: created with O_EXCL (never following a link, never reusing
// another file's mode), given mode perm, then renamed over path. A symbolic
// link at path is replaced, not followed; an existing file's looser mode
// does not carry over to the credentials; a reader sees the old content or
// the new, never half of it.
func writeFile(path string, data []byte, perm fs.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file 0600 minus the umask; perm is exact.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// CheckDir refuses a --dir that another user could tamper with or that
// leads elsewhere: a symbolic link (its target may change between runs),
// something other than a directory, or a directory owned by another user
// (they could replace the CA or read the credentials). A directory that
// does not exist yet is fine: Start creates it, as this user.
func CheckDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return fmt.Errorf("%s is a symbolic link (to %s): name the directory itself", dir, target)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory: name a directory (created if missing)", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by this user (uid %d): another user could read the credentials or replace the CA in it; use a directory of your own", dir, st.Uid, os.Geteuid())
	}
	return nil
}

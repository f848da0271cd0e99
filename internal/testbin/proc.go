package testbin

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Command is exec.CommandContext for a test: the process leads a process
// group of its own, and the whole group is killed (SIGKILL) when ctx ends
// and when the test ends, so that nothing the process started (Terraform's
// providers, a child of a child) outlives the test, however the test ends.
// Signals the test sends itself go to cmd.Process alone.
func Command(tb testing.TB, ctx context.Context, name string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	// Wait returns even when a killed child's grandchild held its pipes.
	cmd.WaitDelay = 5 * time.Second
	tb.Cleanup(func() { _ = killGroup(cmd) })
	return cmd
}

// killGroup kills cmd's process group, which Command made cmd lead.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil || cmd.Process.Pid <= 0 {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err == syscall.ESRCH {
		return nil // the group is gone already
	}
	return err
}

// Snapshot describes every entry under each of roots (the roots included):
// its path, type, mode, size, modification time and a hash of its content,
// one per line in a stable order. Two equal snapshots mean nothing was
// created, removed, changed or re-moded there in between.
func Snapshot(tb testing.TB, roots ...string) string {
	tb.Helper()
	var b strings.Builder
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%s %s %d %d", path, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
			switch {
			case fi.Mode().IsRegular():
				c, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				line += fmt.Sprintf(" %x", sha256.Sum256(c))
			case fi.Mode()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(path)
				line += " -> " + target
			}
			b.WriteString(line + "\n")
			return nil
		})
		if err != nil {
			tb.Fatalf("snapshot of %s: %v", root, err)
		}
	}
	return b.String()
}

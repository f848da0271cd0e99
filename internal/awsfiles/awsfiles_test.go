package awsfiles

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "absent"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "absent-too"))
	if err := Check(); err != nil {
		t.Errorf("absent files: %v", err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", fifo)
	if err := Check(); err == nil || !strings.Contains(err.Error(), fifo+": a named pipe (FIFO)") {
		t.Errorf("a FIFO as the credentials file: %v", err)
	}
}

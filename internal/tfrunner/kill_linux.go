package tfrunner

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killTerraform kills the terraform processes this process started (and
// their provider plugins: terraform-exec starts Terraform in its own process
// group, so the group is killed).
func killTerraform(execPath string) error {
	want, _ := filepath.EvalSymlinks(execPath)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	me := os.Getpid()
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name: state ppid pgrp ...
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[1] != strconv.Itoa(me) {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if want != "" && exe != want {
			continue
		}
		if pgrp, _ := strconv.Atoi(f[2]); pgrp == pid {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		} else {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		killed++
	}
	if killed == 0 {
		return fmt.Errorf("no running %s found", execPath)
	}
	return nil
}

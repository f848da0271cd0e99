package tfrunner

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killTerraform kills the terraform processes this process started in dir
// (and their provider plugins: terraform-exec starts Terraform in its own
// process group, so the group is killed). Only this runner's: another
// runner in the same process (another deployment) works in another
// directory, and hc-install's version checks run in none.
func killTerraform(execPath, dir string) error {
	want, _ := filepath.EvalSymlinks(execPath)
	wantDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		wantDir = dir
	}
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
		if cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); dir != "" && cwd != wantDir {
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
		return fmt.Errorf("no running %s found in %s", execPath, dir)
	}
	return nil
}

// TerraformProcessesIn lists the live Terraform processes (terraform and
// its provider plugins) whose working directory is dir: a run of this
// deployment, by deploy or by hand, that may hold its state lock.
func TerraformProcessesIn(dir string) ([]int, error) {
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		want = dir
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || cwd != want {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && f[0] == "Z" {
				continue // exited, not yet reaped: holds nothing
			}
		}
		if strings.Contains(filepath.Base(exe), "terraform") {
			out = append(out, pid)
		}
	}
	return out, nil
}

//go:build !linux

package tfrunner

import (
	"fmt"
	"runtime"
)

// killTerraform is only implemented on Linux; elsewhere Terraform is killed
// when GraceTimeout runs out, or by closing the terminal.
func killTerraform(execPath, dir string) error {
	return fmt.Errorf("killing %s is not supported on this OS: close the terminal or wait for the grace timeout", execPath)
}

// TerraformProcessesIn is only implemented on Linux (/proc).
func TerraformProcessesIn(dir string) ([]int, error) {
	return nil, fmt.Errorf("listing processes by working directory is not implemented on %s", runtime.GOOS)
}

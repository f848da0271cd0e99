//go:build !linux

package tfrunner

import "fmt"

// killTerraform is only implemented on Linux; elsewhere Terraform is killed
// when GraceTimeout runs out, or by closing the terminal.
func killTerraform(execPath string) error {
	return fmt.Errorf("killing %s is not supported on this OS: close the terminal or wait for the grace timeout", execPath)
}

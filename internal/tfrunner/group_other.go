//go:build !unix

package tfrunner

import "os/exec"

// ownGroup: without process groups only the command itself is killed.
func ownGroup(*exec.Cmd) {}

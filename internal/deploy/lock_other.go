//go:build !unix

package deploy

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

var errWouldBlock = errors.New("locked")

// Without flock the deployment lock cannot be taken: refuse rather than
// pretend (deploy is built and tested for Linux and macOS).
func tryLock(*os.File) error {
	return fmt.Errorf("the deployment lock needs flock, which %s lacks: run deploy on Linux or macOS", runtime.GOOS)
}

func unlock(*os.File) error { return nil }

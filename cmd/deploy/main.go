// Command deploy deploys, verifies and destroys the mskvpce stack with the
// Terraform configuration embedded in it. Run `deploy help` for the flow.
package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/mskvpce/mskvpce/internal/deploy/cli"
	"github.com/mskvpce/mskvpce/terraform"
)

func main() {
	// The first interrupt cancels ctx (Terraform is asked to stop cleanly);
	// sigs lets the command count the second and third.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		// A terminal, not merely a character device: /dev/null is one too.
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Signals:   sigs,
		Tree:      terraform.FS,
		Root:      terraform.Root,
		Prog:      invokedAs(os.Args[0]),
	}, os.Args[1:])
	stop()
	os.Exit(code)
}

// invokedAs is how the operator ran this binary, for the hints it prints:
// `go run` builds into a temporary go-build directory.
func invokedAs(arg0 string) string {
	if strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		return "go run ./cmd/deploy"
	}
	if strings.ContainsRune(arg0, '/') {
		return arg0
	}
	return "deploy"
}

// Command deploy deploys, verifies and destroys the mskvpce stack with the
// Terraform configuration embedded in it. Run `deploy help` for the flow.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/terraform"
)

func main() {
	// The first interrupt cancels ctx (Terraform is asked to stop cleanly);
	// sigs lets the deploy package count the second and third.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := deploy.Run(ctx, deploy.Env{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		StdinTTY:  isTerminal(os.Stdin),
		StderrTTY: isTerminal(os.Stderr),
		Signals:   sigs,
		Tree:      terraform.FS,
		Root:      terraform.Root,
	}, os.Args[1:])
	stop()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Command e2e-cleanup removes what mskvpce end-to-end runs left behind in an
// AWS account. Run with --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/sweep/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

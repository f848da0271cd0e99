// Command verify proves that an IAM principal can produce and consume through
// each per-broker NLB of an MSK cluster, or names the hop that failed.
// Run `go run ./cmd/verify --help` for inputs, exit codes and examples.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal cancels ctx and Run cleans up; a second one ends
	// the process at once, the default way.
	context.AfterFunc(ctx, stop)
	code := cli.Run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

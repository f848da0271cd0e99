// Command localmsk runs a local MSK-like environment (three TLS brokers with
// SASL/IAM and IAM authorization behind three NLB stand-ins) until Ctrl-C.
// Run it with --help for what it prints and the faults it can inject.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/localmsk/cli"
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

// Command tfgate is the offline Terraform gate (make validate). See
// tools/README.md and `tfgate --help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/mskvpce/mskvpce/tools/internal/gate/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

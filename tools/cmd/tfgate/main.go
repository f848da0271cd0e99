// Command tfgate is the offline Terraform gate (make validate). See
// tools/README.md and `tfgate -help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/mskvpce/mskvpce/tools/internal/gate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := gate.Main(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

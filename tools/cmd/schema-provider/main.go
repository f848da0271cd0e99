// Command schema-provider is installed as bin/providers/<name>/terraform-provider-<name>
// and serves the embedded schema of that provider to Terraform. See
// tools/README.md.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/mskvpce/mskvpce/tools/internal/schemaprovider"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := schemaprovider.Run(ctx, os.Stdout, os.Stderr, os.Args[0], os.Args[1:])
	stop()
	os.Exit(code)
}

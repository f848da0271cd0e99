// Command iacscan is the gate's Terraform misconfiguration scan: trivy's
// Terraform scanner and embedded checks (github.com/aquasecurity/trivy/pkg/iac)
// plus the project's own Rego checks, without building the trivy CLI.
// `iacscan -help` for the flags and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/mskvpce/mskvpce/tools/iacscan/internal/iacscan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := iacscan.Run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

// Command verify-lambda is the verify canary's runner (which the nightly
// e2e deploys too): an AWS Lambda (provided.al2023, arm64) inside a
// Databricks-like consumer VPC that runs the verifier, prints the canary's
// metrics (internal/canary) and returns its JSON report. What it verifies
// and as whom comes from its environment (remoteverify.ConfigFromEnv, set by
// terraform/modules/verify-canary); an event only picks within that. Build
// with `make verify-lambda-zip`, or:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/verify-lambda
package main

import (
	"context"
	"io"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
)

func main() {
	// Outside Lambda, `verify-lambda --help` says what it is.
	if code, done := cmdline.NoArgs("verify-lambda", remoteverify.Help, os.Args[1:], os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	f, err := newFunction(os.Environ(), os.Stdout, os.Stderr)
	if err != nil {
		// An init failure: every invoke reports it, and nothing runs
		// unconfigured.
		log.Fatal(err)
	}
	lambda.Start(f)
}

// newFunction is the production function: its configuration from environ
// and nothing else (the handler's StandIn stays nil), the runner's AWS
// configuration from the SDK's default chain, metrics on stdout, logs on
// stderr.
func newFunction(environ []string, stdout, stderr io.Writer) (*remoteverify.Function, error) {
	c, err := remoteverify.ConfigFromEnv(environ)
	if err != nil {
		return nil, err
	}
	return &remoteverify.Function{
		Config: c,
		LoadConfig: func(ctx context.Context, region string) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx, config.WithRegion(region))
		},
		Metrics: stdout,
		Log:     slog.New(slog.NewTextHandler(stderr, nil)),
	}, nil
}

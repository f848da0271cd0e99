// Command heal-lambda is the broker healer: an AWS Lambda (provided.al2023,
// arm64) that terraform/modules/broker-healer runs every minute to keep each
// broker's NLB target at that broker's current client address
// (internal/heal), printing its metrics (internal/heallambda). Build with
// `make heal-lambda-zip`, or:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/heal-lambda
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/heal"
	"github.com/mskvpce/mskvpce/internal/heallambda"
)

func main() {
	// Outside Lambda, `heal-lambda --help` says what it is.
	if code, done := cmdline.NoArgs("heal-lambda", heallambda.Help, os.Args[1:], os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	c, err := heallambda.ConfigFromEnv(os.Getenv)
	if err != nil {
		// An init failure: every invoke reports it, and nothing changes.
		log.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	a := heal.NewAWS(cfg, heal.Retry{})
	f := heallambda.Function{
		Config:  c,
		Cluster: a,
		Groups:  a,
		Metrics: os.Stdout,
		Logger:  slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	}
	lambda.Start(f.Invoke)
}

// Command verify-lambda is the verify canary's runner (which the nightly
// e2e deploys too): an AWS Lambda (provided.al2023, arm64) inside a
// Databricks-like consumer VPC that runs the verifier, prints the canary's
// metrics (internal/canary) and returns its JSON report. Build with
// `make verify-lambda-zip`, or:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/verify-lambda
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
)

func main() {
	c, err := remoteverify.CanaryFromEnv(os.Getenv)
	if err != nil {
		// An init failure: every invoke reports it, and nothing runs unmeasured.
		log.Fatal(err)
	}
	f := remoteverify.Function{
		LoadConfig: func(ctx context.Context, region string) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx, config.WithRegion(region))
		},
		Metrics: os.Stdout,
		Canary:  c,
	}
	lambda.Start(f.Invoke)
}

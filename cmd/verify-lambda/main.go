// Command verify-lambda is the e2e consumer's runner: an AWS Lambda
// (provided.al2023, arm64) inside a Databricks-like consumer VPC that runs the
// verifier and returns its JSON report. Build with:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/verify-lambda
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/verify"
)

func main() {
	lambda.Start(func(ctx context.Context, ev remoteverify.Event) (*verify.Report, error) {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(ev.Region))
		if err != nil {
			return nil, err
		}
		return remoteverify.Handle(ctx, ev, cfg)
	})
}

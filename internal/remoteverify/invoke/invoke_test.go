package invoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/invoke"
	"github.com/mskvpce/mskvpce/internal/remoteverify/lambdafake"
)

// The client against the fake Lambda API running the real handler: the
// function's own errors come back typed (InputError told apart, the log's
// end attached), API errors as smithy errors. The passing and failing
// reports are covered through deploy verify --remote (internal/deploy/cli).
func TestInvokeErrors(t *testing.T) {
	t.Parallel()
	lambdaWith := func(loadErr error) aws.Config {
		lam := lambdafake.NewLambda("t-verify-canary", remoteverify.Function{
			Config: remoteverify.Config{
				Region: "us-east-1", Brokers: []remoteverify.Broker{{ID: 1, Host: "b-1.c.abc123.c2.kafka.us-east-1.amazonaws.com"}}, Bootstrap: []string{"b-1.c.abc123.c2.kafka.us-east-1.amazonaws.com"},
				RoleARN: "arn:aws:iam::123456789012:role/r", ExternalID: "xx", Timeout: 5 * time.Second,
				Metrics: canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "t"},
			},
			LoadConfig: func(context.Context, string) (aws.Config, error) { return aws.Config{}, loadErr },
		}, 5*time.Second)
		t.Cleanup(lam.Close)
		return aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKIAOPERATOR00000000", "secret", ""),
			BaseEndpoint: aws.String(lam.URL),
		}
	}
	noConfig, ok := lambdaWith(errors.New("no credentials in the runner's environment")), lambdaWith(nil)
	event := func(ev any) []byte {
		b, _ := json.Marshal(ev)
		return b
	}
	ctx := context.Background()

	_, err := invoke.Invoke(ctx, noConfig, "t-verify-canary", event(remoteverify.Event{}))
	var fe *invoke.FunctionError
	if !errors.As(err, &fe) || fe.Input() || !strings.Contains(fe.Message, "no credentials in the runner's environment") {
		t.Errorf("runner without AWS configuration: %v, want a FunctionError that is not an InputError", err)
	} else if !strings.Contains(fe.LogTail, canary.MetricPathPassed) {
		t.Errorf("the log tail lacks the run's metrics (PathPassed 0): %q", fe.LogTail)
	}

	_, err = invoke.Invoke(ctx, ok, "t-verify-canary", event(map[string]string{"region": "us-east-1"}))
	if !errors.As(err, &fe) || !fe.Input() || !strings.Contains(fe.Message, `event refused: member "region"`) {
		t.Errorf("bad event: %v, want an InputError naming the member region", err)
	} else if !strings.Contains(fe.LogTail, "event refused") {
		t.Errorf("the log tail lacks the refusal: %q", fe.LogTail)
	}

	_, err = invoke.Invoke(ctx, ok, "someone-elses-function", event(remoteverify.Event{}))
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("unknown function: %v, want ResourceNotFoundException", err)
	}
}

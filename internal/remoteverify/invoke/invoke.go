// Package invoke is the caller's side of the verify canary: one synchronous
// Lambda Invoke of the canary with its event, and the verify.Report the
// function returns. `deploy verify --remote` and the nightly e2e both call
// it, so the nightly exercises the operators' client, not a test's own.
package invoke

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// Result is one invocation's report and the end of its log.
type Result struct {
	Report *verify.Report
	// LogTail is the last 4 KB of the function's log (LogType Tail).
	LogTail string
}

// FunctionError is an error the function itself returned (Lambda's
// X-Amz-Function-Error): the runtime's errorType and errorMessage.
type FunctionError struct {
	Function, Type, Message string
	// LogTail is the end of the function's log for this invocation.
	LogTail string
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("the canary %s failed (%s): %s", e.Function, e.Type, e.Message)
}

// Input reports the verifier's own bad-input error (the event, the broker
// map, a refused role assumption): remoteverify returns a *verify.InputError,
// whose type name the Go runtime reports as errorType.
func (e *FunctionError) Input() bool { return e.Type == "InputError" }

// TimedOut reports a function stopped at its configured timeout.
func (e *FunctionError) TimedOut() bool { return strings.HasPrefix(e.Type, "Sandbox.Timedout") }

// Invoke runs the function name once (RequestResponse) with payload and
// decodes its report. API errors (no such function, access denied) come
// back wrapped, for errors.As to smithy.APIError; the function's own as a
// *FunctionError. ctx bounds the call: give it the function's timeout.
func Invoke(ctx context.Context, cfg aws.Config, name string, payload []byte) (*Result, error) {
	out, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(name),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		LogType:        lambdatypes.LogTypeTail,
		Payload:        payload,
	})
	if err != nil {
		return nil, fmt.Errorf("invoking the canary %s: %w", name, err)
	}
	res := &Result{}
	if out.LogResult != nil {
		if b, err := base64.StdEncoding.DecodeString(*out.LogResult); err == nil {
			res.LogTail = string(b)
		}
	}
	if out.FunctionError != nil {
		fe := &FunctionError{Function: name, LogTail: res.LogTail}
		var doc struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}
		_ = json.Unmarshal(out.Payload, &doc)
		fe.Type, fe.Message = doc.Type, doc.Message
		if fe.Message == "" {
			fe.Message = strings.TrimSpace(string(out.Payload))
		}
		if fe.Type == "" {
			fe.Type = aws.ToString(out.FunctionError)
		}
		return res, fe
	}
	var rep verify.Report
	if err := json.Unmarshal(out.Payload, &rep); err != nil {
		return res, fmt.Errorf("the canary %s returned no report (%v): %.200s", name, err, out.Payload)
	}
	if rep.SchemaVersion != verify.SchemaVersion {
		return res, fmt.Errorf("the canary %s answered with report schema_version %d, this client reads %d: rebuild its zip from this checkout (make verify-lambda-zip) and apply", name, rep.SchemaVersion, verify.SchemaVersion)
	}
	res.Report = &rep
	return res, nil
}

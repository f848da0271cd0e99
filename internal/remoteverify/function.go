package remoteverify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/remoteverify/internal/vpcstandin"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// Function is the Lambda's handler. Each invocation checks its event first
// (DecodeEvent, then the bounds of Config): a refused event is logged and
// answered with an InputError before anything is loaded, fetched or dialed,
// and writes no metrics. An accepted one verifies every configured broker
// path and writes the canary's metrics for them whatever the outcome, so a
// run that fails before any path (no AWS configuration, a refused role)
// shows as PathPassed 0 rather than as missing data.
type Function struct {
	// Config is everything the canary may reach (ConfigFromEnv).
	Config Config
	// LoadConfig returns the runner's own AWS configuration (its execution
	// role) for a region.
	LoadConfig func(ctx context.Context, region string) (aws.Config, error)
	// Metrics receives the EMF lines (the Lambda's stdout); nil writes none.
	Metrics io.Writer
	// Log receives refusals and a line per run (the Lambda's stderr); nil
	// discards.
	Log *slog.Logger
	// Now stamps the metrics; nil means time.Now.
	Now func() time.Time
	// StandIn replaces the canary's VPC in tests. Only
	// internal/remoteverify/lambdafake can set it (see package vpcstandin);
	// in production it is nil: brokers are dialed by hostname, trusted by the
	// system roots, and STS is its regional endpoint whatever the
	// environment's AWS_ENDPOINT_URL*.
	StandIn *vpcstandin.VPC
}

// Invoke is the Lambda runtime's entry (lambda.Handler): the payload as
// sent, the report's JSON back. The function decodes the payload itself, so
// that an event with members it does not take is refused, not silently
// trimmed as the runtime's decoding would.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	rep, err := f.Run(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

// Run runs one event. An error means the event was refused (a
// *verify.InputError itself, not wrapped: the Lambda runtime reports an
// error's type name as errorType, so `deploy verify --remote` exits 2 as the
// local verifier does), or the run could not start; a failed path is a
// Report with Passed=false.
func (f *Function) Run(ctx context.Context, payload []byte) (*verify.Report, error) {
	ev, err := DecodeEvent(payload)
	var r run
	if err == nil {
		r, err = f.Config.accept(ev)
	}
	if err != nil {
		f.logger().Warn("event refused: nothing was dialed and no credentials were fetched", "reason", err.Error(), "bytes", len(payload))
		return nil, err
	}
	f.logger().Info("verifying", "brokers", len(f.Config.Brokers), "timeout", r.timeout, "stage_timeout", r.stageTimeout, "mechanisms", r.mechanisms)
	rep, err := f.verify(ctx, r)
	if f.Metrics != nil {
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		if werr := canary.Write(f.Metrics, f.Config.Metrics, rep, now(), f.Config.BrokerIDs()); werr != nil && err == nil {
			// A report without its metrics would leave the alarms blind.
			return rep, fmt.Errorf("remoteverify: %w", werr)
		}
	}
	return rep, err
}

func (f *Function) verify(ctx context.Context, r run) (*verify.Report, error) {
	base, err := f.LoadConfig(ctx, f.Config.Region)
	if err != nil {
		return nil, fmt.Errorf("remoteverify: AWS configuration of the runner: %w", err)
	}
	cfg := base.Copy()
	cfg.Region = f.Config.Region
	// The regional endpoint, whatever AWS_ENDPOINT_URL or
	// AWS_ENDPOINT_URL_STS say: the canary's VPC reaches STS through its
	// interface endpoint's private DNS for that name.
	stsOptions := func(o *sts.Options) { o.BaseEndpoint = nil }
	target := f.Config.target(nil)
	if s := f.StandIn; s != nil {
		target = f.Config.target(s.Resolve)
		target.RootCAs = s.RootCAs
		if s.STSEndpoint != "" {
			stsOptions = func(o *sts.Options) { o.BaseEndpoint = aws.String(s.STSEndpoint) }
		}
	}
	rep, err := verify.Verify(ctx, verify.Request{
		Target:     target,
		AWS:        cfg,
		RoleARN:    f.Config.RoleARN,
		ExternalID: f.Config.ExternalID,
		STSOptions: stsOptions,
		Data:       true,
		Options:    verify.Options{Timeout: r.timeout, StageTimeout: r.stageTimeout, Mechanisms: r.mechanisms, Remote: true, Logger: f.Log},
	})
	if verify.IsInputError(err) {
		return nil, &verify.InputError{Msg: "remoteverify: " + err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("remoteverify: %w", err)
	}
	return rep, nil
}

func (f *Function) logger() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}

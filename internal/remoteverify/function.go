package remoteverify

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// Function is the Lambda's handler: Handle, then the canary's metrics for
// the run, whatever its outcome. A run that fails before any path (bad
// event, no AWS configuration, refused role) still writes PathPassed 0 for
// every broker in the event, so the schedule's alarms see a breach rather
// than missing data.
type Function struct {
	// LoadConfig returns the runner's base AWS configuration for a region.
	LoadConfig func(ctx context.Context, region string) (aws.Config, error)
	// Metrics receives the EMF lines (the Lambda's stdout).
	Metrics io.Writer
	// Canary names the metrics; nil writes none (a function deployed
	// without the module's environment, MSKVPCE_CANARY_*).
	Canary *canary.Config
	// Now stamps the metrics; nil means time.Now.
	Now func() time.Time
}

// CanaryFromEnv reads the canary's metric configuration from the function's
// environment: nil when neither variable is set, an error when only one is.
func CanaryFromEnv(getenv func(string) string) (*canary.Config, error) {
	if getenv(canary.EnvNamespace) == "" && getenv(canary.EnvName) == "" {
		return nil, nil
	}
	c, err := canary.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Invoke runs one event.
func (f Function) Invoke(ctx context.Context, ev Event) (*verify.Report, error) {
	rep, err := f.run(ctx, ev)
	if f.Canary != nil {
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		ids := make([]int, 0, len(ev.Brokers))
		for _, b := range ev.Brokers {
			ids = append(ids, b.ID)
		}
		if werr := canary.Write(f.Metrics, *f.Canary, rep, now(), ids); werr != nil && err == nil {
			// A report without its metrics would leave the alarms blind.
			return rep, fmt.Errorf("remoteverify: %w", werr)
		}
	}
	return rep, err
}

func (f Function) run(ctx context.Context, ev Event) (*verify.Report, error) {
	cfg, err := f.LoadConfig(ctx, ev.Region)
	if err != nil {
		return nil, fmt.Errorf("remoteverify: AWS configuration of the runner: %w", err)
	}
	return Handle(ctx, ev, cfg)
}

package cli

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
)

// What --remote sends is the module's event with this run's choices, in the
// form the canary takes (its strict decoder accepts it); the event of a
// canary from an older module (brokers, role and endpoints in the event) is
// a usage error that says to apply, not an invocation the canary refuses.
func TestCanaryEvent(t *testing.T) {
	t.Parallel()
	newCLI := func(args ...string) *cli {
		c := &cli{fs: flag.NewFlagSet("verify", flag.ContinueOnError), wd: deploy.Workdir{Dir: "/work/dep"}, workdir: "/work/dep"}
		c.fs.DurationVar(&c.timeout, "timeout", 0, "")
		c.fs.StringVar(&c.saslMechanism, "sasl-mechanism", "", "")
		if err := c.fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tt := range []struct {
		args    []string
		want    string
		timeout time.Duration
	}{
		{nil, `{"timeout_seconds":90}`, 90 * time.Second},
		{[]string{"-timeout", "30s"}, `{"timeout_seconds":30}`, 30 * time.Second},
		{[]string{"-sasl-mechanism", "AWS_MSK_IAM"}, `{"timeout_seconds":90,"sasl_mechanism":"aws-msk-iam"}`, 90 * time.Second},
		{[]string{"-sasl-mechanism", "both"}, `{"timeout_seconds":90,"sasl_mechanism":"both"}`, 90 * time.Second},
	} {
		b, timeout, err := newCLI(tt.args...).canaryEvent(`{"timeout_seconds":90}`)
		if err != nil || string(b) != tt.want || timeout != tt.timeout {
			t.Errorf("%v: %s, %s, %v; want %s, %s", tt.args, b, timeout, err, tt.want, tt.timeout)
			continue
		}
		if _, err := remoteverify.DecodeEvent(b); err != nil {
			t.Errorf("%v: the canary refuses %s: %v", tt.args, b, err)
		}
	}
	_, _, err := newCLI().canaryEvent(`{"region":"us-east-1","brokers":[{"broker_id":1,"advertised":"b-1.x:9098"}],"role_arn":"arn:aws:iam::123456789012:role/r","external_id":"x","timeout_seconds":90}`)
	var ue *cmdline.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "older verify-canary module") || !strings.Contains(err.Error(), "deploy apply --workdir /work/dep") {
		t.Errorf("older module's event: %v, want a usage error saying to apply", err)
	}
	if _, _, err := newCLI("-timeout", "91s").canaryEvent(`{"timeout_seconds":90}`); !errors.As(err, &ue) {
		t.Errorf("--timeout past the canary's: %v, want a usage error", err)
	}
}

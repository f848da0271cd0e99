package verify_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestClockSkewMeasured: any skew MSK refuses is diagnosed as skew with its
// size (±1 min) and direction, for both mechanisms. A broker 6 minutes ahead
// accepts the token (it is valid for 15 minutes after its date), so that
// run passes.
func TestClockSkewMeasured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		broker time.Duration // the broker's clock minus this machine's
		pass   bool
	}{
		{broker: 6 * time.Minute, pass: true},
		{broker: -6 * time.Minute},
		{broker: 20 * time.Minute},
		{broker: -20 * time.Minute},
		{broker: 30 * time.Minute},
		{broker: -30 * time.Minute},
		{broker: 3 * time.Hour},
		{broker: -3 * time.Hour},
	}
	size := regexp.MustCompile(`clock is (\S+) \(±1m\) (behind|ahead of) the broker's`)
	for _, mech := range []string{verify.MechanismAWSMSKIAM, verify.MechanismOAuthBearer} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/broker%+v", mech, tc.broker), func(t *testing.T) {
				t.Parallel()
				env, tg := startEnv(t)
				env.SetClockSkew(tc.broker)
				o := opts(5 * time.Second)
				o.Mechanisms = []string{mech}
				rep := verify.Run(context.Background(), tg, o)
				if tc.pass {
					if !rep.Passed {
						t.Fatalf("want PASS with the broker %s ahead: %+v", tc.broker, rep.Paths[0].Stages)
					}
					return
				}
				for _, p := range rep.Paths {
					f, failed := p.Failed()
					if !failed || f.Check != verify.StageSASL {
						t.Fatalf("broker %d: want a sasl failure, got %+v", p.BrokerID, f)
					}
					m := size.FindStringSubmatch(f.Detail)
					if m == nil {
						t.Fatalf("broker %d: %q is not a measured clock skew", p.BrokerID, f.Detail)
					}
					got, err := time.ParseDuration(m[1])
					if err != nil {
						t.Fatal(err)
					}
					want, dir := tc.broker, "behind"
					if want < 0 {
						want, dir = -want, "ahead of"
					}
					if d := got - want; d < -time.Minute || d > time.Minute || m[2] != dir {
						t.Errorf("broker %d: measured %s %s, want %s %s (±1m)", p.BrokerID, got, m[2], want, dir)
					}
					if !strings.Contains(f.NextStep, "sync this machine's clock") {
						t.Errorf("broker %d: next step %q", p.BrokerID, f.NextStep)
					}
				}
			})
		}
	}
}

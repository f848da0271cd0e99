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

// TestClockSkewMeasured: every skew beyond SigV4's 5 minutes is diagnosed
// as skew with its size (±1 min) and direction, for both mechanisms. A
// broker 6 minutes ahead accepts the token (MSK takes a token for 15
// minutes after its date), so the paths pass and a clock check (measured
// through the broker, no AWS endpoint needed) fails the run instead.
func TestClockSkewMeasured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		broker time.Duration // the broker's clock minus this machine's
		pass   bool          // the paths pass; the clock check fails
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
	sizeRE := regexp.MustCompile(`clock is (\S+) \(±1m\) (behind|ahead of) the broker's`)
	for _, mech := range []string{verify.MechanismAWSMSKIAM, verify.MechanismOAuthBearer} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/broker%+v", mech, tc.broker), func(t *testing.T) {
				t.Parallel()
				env, tg := startEnv(t)
				env.SetClockSkew(tc.broker)
				o := opts(5 * time.Second)
				o.Mechanisms = []string{mech}
				rep := verify.Run(context.Background(), tg, o)
				var got []verify.CheckResult // the failures that must name the skew
				for _, p := range rep.Paths {
					f, failed := p.Failed()
					switch {
					case tc.pass && failed:
						t.Fatalf("broker %d: the broker accepts the token, want the path to pass, got %+v", p.BrokerID, f)
					case !tc.pass && (!failed || f.Check != verify.StageSASL):
						t.Fatalf("broker %d: want a sasl failure, got %+v", p.BrokerID, f)
					case !tc.pass:
						got = append(got, f)
					}
				}
				clocks := 0
				for _, c := range rep.Checks {
					if c.Check == verify.CheckClock {
						clocks++
						got = append(got, c)
					}
				}
				if want := map[bool]int{true: 1, false: 0}[tc.pass]; clocks != want || rep.Passed || rep.ExitCode() != 1 {
					t.Fatalf("%d clock checks (want %d), passed=%v: %+v", clocks, want, rep.Passed, rep.Checks)
				}
				for _, f := range got {
					m := sizeRE.FindStringSubmatch(f.Detail)
					if m == nil {
						t.Fatalf("%s: %q is not a measured clock skew", f.Target, f.Detail)
					}
					size, err := time.ParseDuration(m[1])
					if err != nil {
						t.Fatal(err)
					}
					want, dir := tc.broker, "behind"
					if want < 0 {
						want, dir = -want, "ahead of"
					}
					if d := size - want; d < -time.Minute || d > time.Minute || m[2] != dir {
						t.Errorf("%s: measured %s %s, want %s %s (±1m)", f.Target, size, m[2], want, dir)
					}
					if !strings.Contains(f.NextStep, "sync this machine's clock") {
						t.Errorf("%s: next step %q", f.Target, f.NextStep)
					}
				}
			})
		}
	}
}

// TestSkewProbeCutShortSaysSo: when the clock probe cannot finish within
// the stage bound (here a slow path: 100 ms each way makes each of its ~16
// connections take about a second), the Access denied is reported as such
// and the next step says the clock was not measured and how to measure it,
// instead of reading as a plain credentials problem.
func TestSkewProbeCutShortSaysSo(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	env.SetClockSkew(-time.Hour)
	if err := env.SetLatency(1, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	o := opts(2 * time.Second)
	o.Mechanisms = []string{verify.MechanismOAuthBearer}
	rep := verify.Run(context.Background(), tg, o)
	for _, p := range rep.Paths {
		if p.BrokerID != 1 {
			continue
		}
		f, failed := p.Failed()
		if !failed || f.Check != verify.StageSASL {
			t.Fatalf("broker 1: want a sasl failure, got %+v", f)
		}
		if !strings.Contains(f.Detail, "Access denied") || !strings.Contains(f.NextStep, "ran out of --stage-timeout (2s): raise it to measure the clock") {
			t.Errorf("broker 1: detail %q, next %q: want Access denied and the hint that the clock was not measured", f.Detail, f.NextStep)
		}
	}
}

package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestOneFaultOneFailure: a black-holed NLB costs only its own path. With
// the whole run and every stage bounded by the same 2 s, the healthy paths
// still produce and consume (they never wait for path 2).
func TestOneFaultOneFailure(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetLatency(2, 3*time.Second)) // accepts, then nothing comes back within the bound
	start := time.Now()
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 2 * time.Second, StageTimeout: 2 * time.Second})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("run took %s, want about the 2s bound", el)
	}
	for _, p := range rep.Paths {
		f, failed := p.Failed()
		switch {
		case p.BrokerID == 2 && !failed:
			t.Errorf("broker 2 (black-holed) passed")
		case p.BrokerID != 2 && (failed || !p.Passed):
			t.Errorf("broker %d (healthy) failed at %s: %s", p.BrokerID, f.Check, f.Detail)
		}
	}
}

// TestStoppedBrokerFailsAtOneStage: a stopped broker behind its NLB fails
// at the same stage on every run, not at tcp or tls by chance.
func TestStoppedBrokerFailsAtOneStage(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetBrokerDown(3, true))
	seen := map[string]int{}
	for range 15 {
		rep := verify.Run(context.Background(), tg, opts(2*time.Second))
		for _, p := range rep.Paths {
			if f, ok := p.Failed(); ok {
				if p.BrokerID != 3 {
					t.Fatalf("broker %d failed at %s: %s", p.BrokerID, f.Check, f.Detail)
				}
				seen[f.Check]++
				if f.Check != verify.StageTLS {
					t.Logf("run: %s: %s", f.Check, f.Detail)
				}
			}
		}
	}
	if len(seen) != 1 || seen[verify.StageTLS] != 15 {
		t.Errorf("stopped broker 3 failed at %v over 15 runs, want tls every time", seen)
	}
}

package verify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestVerifyDuringAndAfterRollingRestart: while each broker in turn is away
// in a restart, verify fails that broker's path only and names the broker
// as restarting (from what the other brokers' metadata says of it), with
// the next step of waiting for the update; the other paths and the topic
// check pass. After a whole rolling restart, verify passes.
func TestVerifyDuringAndAfterRollingRestart(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	report := func(rep *verify.Report) string {
		var b bytes.Buffer
		rep.WriteTable(&b)
		return b.String()
	}
	for id := 1; id <= 3; id++ {
		rctx, bringBack := context.WithCancel(ctx)
		returned := make(chan error, 1)
		go func() { returned <- env.RestartBroker(rctx, id, time.Hour) }()
		for env.Restarting() != id {
			select {
			case err := <-returned:
				t.Fatalf("broker %d: RestartBroker returned early: %v", id, err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		rep := verify.Run(ctx, tg, opts(3*time.Second))
		if rep.Passed {
			t.Fatalf("broker %d restarting: verify passed\n%s", id, report(rep))
		}
		for _, p := range rep.Paths {
			f, failed := p.Failed()
			if p.BrokerID != id {
				if !p.Passed {
					t.Errorf("broker %d restarting: path %d failed at %s: %s", id, p.BrokerID, f.Check, f.Detail)
				}
				continue
			}
			if !failed {
				t.Errorf("broker %d restarting: its path did not fail", id)
				continue
			}
			if want := "broker " + itoa(id) + " is restarting: the cluster (metadata from brokers "; !strings.HasPrefix(f.Detail, want) {
				t.Errorf("broker %d restarting: %s detail %q, want it to start %q", id, f.Check, f.Detail, want)
			}
			if !strings.Contains(f.NextStep, "describe-cluster-v2") {
				t.Errorf("broker %d restarting: next step %q does not say to wait for the update", id, f.NextStep)
			}
		}
		for _, c := range rep.Checks {
			if c.Check == verify.CheckTopic && !c.OK {
				t.Errorf("broker %d restarting: topic check failed: %s (next: %s)", id, c.Detail, c.NextStep)
			}
		}
		if t.Failed() {
			t.Logf("report:\n%s", report(rep))
		}
		bringBack()
		<-returned
	}

	if err := env.RollingRestart(ctx, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if rep := verify.Run(ctx, tg, opts(3*time.Second)); !rep.Passed {
		t.Errorf("after a rolling restart verify failed:\n%s", report(rep))
	}
}

// TestVerifyAfterBrokerReplacement: a broker replaced at a new client IP
// while its NLB still targets the old one fails its path at tcp with a
// timeout, exactly as in AWS, and the next step names the replacement; the
// other paths pass; once the NLB targets the new IP, verify passes.
func TestVerifyAfterBrokerReplacement(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	if err := env.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	rep := verify.Run(context.Background(), tg, opts(time.Second))
	var b bytes.Buffer
	rep.WriteTable(&b)
	for _, p := range rep.Paths {
		f, failed := p.Failed()
		switch {
		case p.BrokerID != 2 && !p.Passed:
			t.Errorf("path %d failed at %s: %s", p.BrokerID, f.Check, f.Detail)
		case p.BrokerID == 2 && (!failed || f.Check != verify.StageTCP):
			t.Errorf("path 2 to the replaced broker: failed %v at %q, want tcp", failed, f.Check)
		case p.BrokerID == 2:
			if !strings.HasPrefix(f.Detail, "TCP timeout to NLB 2 (") {
				t.Errorf("path 2 detail %q, want a TCP timeout to NLB 2", f.Detail)
			}
			if !strings.Contains(f.NextStep, "if MSK replaced broker 2, its client IP changed") {
				t.Errorf("path 2 next step %q does not name the replacement", f.NextStep)
			}
		}
	}
	for _, c := range rep.Checks {
		if c.Check == verify.CheckReach {
			t.Errorf("one unreachable path reported as the whole deployment unreachable: %s", c.Detail)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", b.String())
	}
	if err := env.SetNLBTarget(2, env.Info().Brokers[1].ClientIP); err != nil {
		t.Fatal(err)
	}
	if rep := verify.Run(context.Background(), tg, opts(3*time.Second)); !rep.Passed {
		b.Reset()
		rep.WriteTable(&b)
		t.Errorf("NLB 2 re-pointed at the new IP: verify failed\n%s", b.String())
	}
}

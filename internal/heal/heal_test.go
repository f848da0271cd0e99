package heal_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/heal"
)

// The fake's NLB at AWS's timing, 300 times faster: 100 ms of health checks,
// 1 s of draining.
var fastNLB = awsfake.DefaultHealthCheck.Scaled(300)

var fastRetry = heal.Retry{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func fastOptions(apply bool) heal.Options {
	return heal.Options{Apply: apply, HealthyTimeout: 2 * time.Second, Poll: 10 * time.Millisecond, CallTimeout: 5 * time.Second, Region: "us-east-1"}
}

// fixture serves the sample deployment, healthy, with its targets under the
// fake's health checks, changed by edit.
type fixture struct {
	srv  *awsfake.Server
	spec heal.Spec
	aws  *heal.AWS
}

func newFixture(t *testing.T, edit func(*awsfake.State)) fixture {
	t.Helper()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	hc := fastNLB
	st.HealthCheck = &hc
	st.MarkLive(time.Now().Add(-time.Hour))
	if edit != nil {
		edit(st)
	}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	return fixture{srv: srv, spec: heal.SpecFromDeployment(d), aws: heal.NewAWS(srv.Config(), fastRetry)}
}

func (f fixture) run(t *testing.T, o heal.Options) *heal.Report {
	t.Helper()
	rep, err := heal.Reconcile(context.Background(), f.aws, f.aws, f.spec, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// writes counts the ELBv2 write calls the fake served.
func (f fixture) writes() map[string]int {
	n := map[string]int{}
	for _, c := range f.srv.Calls() {
		if c == "elasticloadbalancing:RegisterTargets" || c == "elasticloadbalancing:DeregisterTargets" {
			n[strings.TrimPrefix(c, "elasticloadbalancing:")]++
		}
	}
	return n
}

// events are the fake's target events of one group, as "ip kind".
func (f fixture) events(tg string) []awsfake.TargetEvent {
	var out []awsfake.TargetEvent
	for _, e := range f.srv.TargetEvents() {
		if e.TargetGroupARN == tg {
			out = append(out, e)
		}
	}
	return out
}

func eventString(evs []awsfake.TargetEvent) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.ID+" "+e.Kind)
	}
	return strings.Join(s, ", ")
}

func broker(rep *heal.Report, id int) heal.BrokerReport {
	for _, b := range rep.Brokers {
		if b.BrokerID == id {
			return b
		}
	}
	return heal.BrokerReport{}
}

func replaceBroker2(s *awsfake.State) { s.Nodes[1].ClientIP = "10.0.2.150" }

// TestHealReplacedBroker: broker 2 moved to a new address. A dry run says
// what it would do and writes nothing; the run with Apply registers the new
// address, waits until it is healthy, and only then deregisters the old one;
// the other brokers are untouched, and a second run has nothing to do.
func TestHealReplacedBroker(t *testing.T) {
	t.Parallel()
	f := newFixture(t, replaceBroker2)
	tg := f.spec.Paths[1].TargetGroupARN

	dry := f.run(t, fastOptions(false))
	if dry.Outcome != heal.OutcomeWouldHeal || len(f.writes()) != 0 {
		t.Fatalf("dry run: outcome %s, writes %v", dry.Outcome, f.writes())
	}
	b := broker(dry, 2)
	if b.Status != heal.StatusWouldHeal || b.Register != "10.0.2.150:9098" || strings.Join(b.Deregister, ",") != "10.0.2.102:9098" {
		t.Errorf("dry run, broker 2: %+v", b)
	}
	if s := broker(dry, 1).Status; s != heal.StatusInSync {
		t.Errorf("dry run, broker 1: %s", s)
	}

	rep := f.run(t, fastOptions(true))
	if rep.Outcome != heal.OutcomeHealed {
		t.Fatalf("outcome %s: %+v", rep.Outcome, rep)
	}
	b = broker(rep, 2)
	if b.Status != heal.StatusHealed || b.Register != "10.0.2.150:9098" || strings.Join(b.Deregister, ",") != "10.0.2.102:9098" || b.TimeToHealthyMillis < fastNLB.Healthy.Milliseconds() {
		t.Errorf("broker 2: %+v", b)
	}
	evs := f.events(tg)
	// The old address turned unhealthy when its broker left it.
	if got := eventString(evs); got != "10.0.2.102 unhealthy, 10.0.2.150 registered, 10.0.2.150 healthy, 10.0.2.102 draining" {
		t.Fatalf("broker 2's group: %s", got)
	}
	if !evs[3].At.After(evs[2].At) {
		t.Errorf("the old target was deregistered (%v) before the new one was healthy (%v)", evs[3].At, evs[2].At)
	}
	for _, p := range []heal.Path{f.spec.Paths[0], f.spec.Paths[2]} {
		if evs := f.events(p.TargetGroupARN); len(evs) != 0 {
			t.Errorf("broker %d's group changed: %s", p.BrokerID, eventString(evs))
		}
	}
	if w := f.writes(); w["RegisterTargets"] != 1 || w["DeregisterTargets"] != 1 {
		t.Errorf("writes %v, want one of each", w)
	}

	again := f.run(t, fastOptions(true))
	if again.Outcome != heal.OutcomeInSync || broker(again, 2).Status != heal.StatusInSync {
		t.Errorf("second run: %s, broker 2 %+v", again.Outcome, broker(again, 2))
	}
	if w := f.writes(); w["RegisterTargets"] != 1 || w["DeregisterTargets"] != 1 {
		t.Errorf("the second run wrote: %v", w)
	}
}

// TestHealNeverHealthy: nothing answers at broker 2's new address, so it
// never becomes healthy: both targets stay, the run fails and says so.
func TestHealNeverHealthy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(s *awsfake.State) {
		replaceBroker2(s)
		hc := *s.HealthCheck
		hc.Listening = func(ip string, port int32) bool { return ip != "10.0.2.150" }
		s.HealthCheck = &hc
	})
	o := fastOptions(true)
	o.HealthyTimeout = 400 * time.Millisecond
	rep := f.run(t, o)
	b := broker(rep, 2)
	if rep.Outcome != heal.OutcomeFailed || b.Status != heal.StatusNotHealthy {
		t.Fatalf("outcome %s, broker 2 %+v", rep.Outcome, b)
	}
	if strings.Join(b.Kept, ",") != "10.0.2.102:9098" || len(b.Deregister) != 0 ||
		!strings.Contains(b.Detail, "10.0.2.150:9098 did not become healthy within 400ms (last: unhealthy (Target.FailedHealthChecks)); kept 10.0.2.102:9098 registered next to it") {
		t.Errorf("broker 2: %+v", b)
	}
	if got := eventString(f.events(f.spec.Paths[1].TargetGroupARN)); got != "10.0.2.150 registered, 10.0.2.150 unhealthy" {
		t.Errorf("broker 2's group: %s (the old target must stay)", got)
	}
	if rep.Failures() != 1 {
		t.Errorf("failures %d", rep.Failures())
	}
}

// TestHealRefusals: each ambiguous mapping changes nothing — not even broker
// 1, which moved too — and names its reason.
func TestHealRefusals(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	cases := []struct {
		name     string
		edit     func(*awsfake.State)
		spec     func(*heal.Spec)
		reason   string
		broker   int
		contains string
	}{
		{name: "a broker with no target group", spec: func(s *heal.Spec) { s.Paths = s.Paths[:2] },
			reason: heal.RefuseNoTargetGroup, broker: 3, contains: "broker 3 of the cluster has no target group in this deployment"},
		{name: "a group whose broker is gone", edit: func(s *awsfake.State) { s.Nodes = s.Nodes[:2] },
			reason: heal.RefuseBrokerGone, broker: 3, contains: "is broker 3's, but the cluster has no broker 3 (brokers: 1, 2)"},
		{name: "two brokers claim one group", spec: func(s *heal.Spec) { s.Paths[2].TargetGroupARN = s.Paths[1].TargetGroupARN },
			reason: heal.RefuseClaimedTwice, broker: 2, contains: "brokers 2, 3 all name target group"},
		{name: "the group's tag names another broker", edit: func(s *awsfake.State) { s.TargetGroups[1].Tags["BrokerId"] = "3" },
			reason: heal.RefuseTagMismatch, broker: 2, contains: "is tagged BrokerId=3 but is broker 2's path"},
		{name: "the group has no BrokerId tag", edit: func(s *awsfake.State) { delete(s.TargetGroups[1].Tags, "BrokerId") },
			reason: heal.RefuseTagMissing, broker: 2, contains: "has no BrokerId tag"},
		{name: "the group does not exist", edit: func(s *awsfake.State) { s.TargetGroups = s.TargetGroups[:2] },
			reason: heal.RefuseGroupMissing, broker: 3, contains: "broker 3's target group " + strings.Split(d.Brokers[2].TargetGroupARN, "/")[1] + " does not exist"},
		{name: "the hostname changed", edit: func(s *awsfake.State) {
			s.Nodes[2].Endpoints = []string{"b-7.other.x1y2z3.c2.kafka.us-east-1.amazonaws.com"}
		},
			reason: heal.RefuseHostnameChanged, broker: 3, contains: "broker 3 answers to b-7.other.x1y2z3.c2.kafka.us-east-1.amazonaws.com, not " + d.Brokers[2].Hostname},
		{name: "two brokers report one address", edit: func(s *awsfake.State) { s.Nodes[2].ClientIP = s.Nodes[1].ClientIP },
			reason: heal.RefuseSharedAddress, broker: 2, contains: "brokers 2, 3 all report client address 10.0.2.102"},
		{name: "MSK lists a broker twice", edit: func(s *awsfake.State) { s.Nodes = append(s.Nodes, s.Nodes[2]) },
			reason: heal.RefuseDuplicateBroker, broker: 3, contains: "lists broker 3 more than once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(s *awsfake.State) {
				s.Nodes[0].ClientIP = "10.0.1.150" // broker 1 moved: a heal to hold back
				if tc.edit != nil {
					tc.edit(s)
				}
			})
			if tc.spec != nil {
				tc.spec(&f.spec)
			}
			rep := f.run(t, fastOptions(true))
			if rep.Outcome != heal.OutcomeRefused {
				t.Fatalf("outcome %s, want refused: %+v", rep.Outcome, rep)
			}
			found := false
			for _, r := range rep.Refusals {
				if r.Reason == tc.reason && r.BrokerID == tc.broker && strings.Contains(r.Detail, tc.contains) && r.NextStep != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("no refusal %s for broker %d containing %q: %+v", tc.reason, tc.broker, tc.contains, rep.Refusals)
			}
			if w := f.writes(); len(w) != 0 {
				t.Errorf("a refused run wrote: %v", w)
			}
			if b := broker(rep, 1); b.Status != heal.StatusWouldHeal || b.Register != "10.0.1.150:9098" {
				t.Errorf("broker 1 should be reported as held back: %+v", b)
			}
		})
	}
}

// TestHealRetries: throttling and a not-yet-visible group on every call the
// heal makes are retried and the heal completes; a call that keeps failing
// stops after the bound, with its reason.
func TestHealRetries(t *testing.T) {
	t.Parallel()
	t.Run("transient", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(s *awsfake.State) {
			replaceBroker2(s)
			th := awsfake.Throttling()
			s.Flaky = map[string][]awsfake.APIError{
				"ListNodes":            {{Status: 429, Code: "TooManyRequestsException", Message: "Too Many Requests"}, {Status: 429, Code: "TooManyRequestsException", Message: "Too Many Requests"}},
				"DescribeTags":         {awsfake.TargetGroupNotFound(s.TargetGroups[0].ARN), th},
				"DescribeTargetHealth": {th, th, th},
				"RegisterTargets":      {th, th},
				"DeregisterTargets":    {th},
			}
		})
		rep := f.run(t, fastOptions(true))
		if rep.Outcome != heal.OutcomeHealed || broker(rep, 2).Status != heal.StatusHealed {
			t.Fatalf("outcome %s: %+v", rep.Outcome, rep)
		}
		if w := f.writes(); w["RegisterTargets"] != 3 || w["DeregisterTargets"] != 2 {
			t.Errorf("writes %v: want 2 throttled + 1 RegisterTargets, 1 + 1 DeregisterTargets", w)
		}
		if got := eventString(f.events(f.spec.Paths[1].TargetGroupARN)); got != "10.0.2.102 unhealthy, 10.0.2.150 registered, 10.0.2.150 healthy, 10.0.2.102 draining" {
			t.Errorf("broker 2's group: %s", got)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(s *awsfake.State) {
			replaceBroker2(s)
			s.Errors = map[string]awsfake.APIError{"RegisterTargets": awsfake.Throttling()}
		})
		rep := f.run(t, fastOptions(true))
		b := broker(rep, 2)
		if rep.Outcome != heal.OutcomeFailed || b.Status != heal.StatusFailed || !strings.Contains(b.Detail, "RegisterTargets on "+f.spec.Paths[1].TargetGroupARN) ||
			!strings.Contains(b.NextStep, "within the retry bound") {
			t.Fatalf("outcome %s, broker 2 %+v", rep.Outcome, b)
		}
		if w := f.writes(); w["RegisterTargets"] != fastRetry.MaxAttempts || w["DeregisterTargets"] != 0 {
			t.Errorf("writes %v: want exactly %d RegisterTargets attempts and no deregistration", w, fastRetry.MaxAttempts)
		}
	})
	t.Run("access denied names the permission", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(s *awsfake.State) {
			replaceBroker2(s)
			s.Errors = map[string]awsfake.APIError{"RegisterTargets": awsfake.AccessDenied("AccessDenied", s.Account, "elasticloadbalancing:RegisterTargets")}
		})
		rep := f.run(t, fastOptions(true))
		b := broker(rep, 2)
		if b.Status != heal.StatusFailed || !strings.Contains(b.NextStep, "grant the caller elasticloadbalancing:RegisterTargets on "+f.spec.Paths[1].TargetGroupARN) {
			t.Errorf("broker 2: %+v", b)
		}
		if w := f.writes(); w["RegisterTargets"] != 1 {
			t.Errorf("access denied was retried: %v", w)
		}
	})
	t.Run("reads lag writes", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(s *awsfake.State) {
			replaceBroker2(s)
			s.ReadLag = 150 * time.Millisecond
		})
		rep := f.run(t, fastOptions(true))
		if rep.Outcome != heal.OutcomeHealed {
			t.Fatalf("outcome %s: %+v", rep.Outcome, rep)
		}
		time.Sleep(200 * time.Millisecond) // the deregistration becomes visible
		if got := eventString(f.events(f.spec.Paths[1].TargetGroupARN)); got != "10.0.2.102 unhealthy, 10.0.2.150 registered, 10.0.2.150 healthy, 10.0.2.102 draining" {
			t.Errorf("broker 2's group: %s", got)
		}
	})
}

// TestHealConcurrentRuns: two runs at once, two brokers moved — started
// together, with writes seen late, or the second while the first waits for
// its new targets to become healthy: each target is registered once and
// deregistered once, the old ones only after the new ones are healthy, and
// both runs end healed.
func TestHealConcurrentRuns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		lag       time.Duration
		staggered bool
	}{{"together", 0, false}, {"together, reads lag writes", 50 * time.Millisecond, false}, {"second while the first waits", 0, true}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(s *awsfake.State) {
				replaceBroker2(s)
				s.Nodes[2].ClientIP = "10.0.3.150"
				s.ReadLag = c.lag
				// Slow enough health checks that the second run starts and
				// plans well within the first's wait.
				hc := awsfake.DefaultHealthCheck.Scaled(60)
				s.HealthCheck = &hc
			})
			var wg sync.WaitGroup
			reps := make([]*heal.Report, 2)
			for i := range reps {
				if i == 1 && c.staggered {
					waitFor(t, func() bool { return strings.Count(eventString(f.srv.TargetEvents()), "registered") == 2 })
				}
				wg.Go(func() { reps[i] = f.run(t, fastOptions(true)) })
			}
			wg.Wait()
			for i, rep := range reps {
				if rep.Outcome != heal.OutcomeHealed {
					t.Errorf("run %d: %s %+v", i, rep.Outcome, rep.Brokers)
				}
			}
			time.Sleep(c.lag + 20*time.Millisecond)
			for _, g := range []struct {
				tg       string
				old, new string
			}{{f.spec.Paths[1].TargetGroupARN, "10.0.2.102", "10.0.2.150"}, {f.spec.Paths[2].TargetGroupARN, "10.0.3.103", "10.0.3.150"}} {
				if got := eventString(f.events(g.tg)); got != g.old+" unhealthy, "+g.new+" registered, "+g.new+" healthy, "+g.old+" draining" {
					t.Errorf("%s: %s, want one registration, then healthy, then one deregistration", g.tg, got)
				}
			}
			if got := eventString(f.events(f.spec.Paths[0].TargetGroupARN)); got != "" {
				t.Errorf("broker 1's group changed: %s", got)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestHealOtherDrift: a target deregistered by hand (the nightly's test) is
// registered again; a target on the wrong port is removed, with its port;
// a broker MSK reports without an address yet is left alone.
func TestHealOtherDrift(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(s *awsfake.State) {
		s.TargetGroups[0].Targets[0].State = "draining"
		s.TargetGroups[0].Targets[0].Deregistered = time.Now()
		s.TargetGroups[1].Targets = append(s.TargetGroups[1].Targets, awsfake.Target{ID: "10.0.2.102", Port: 9092, State: "unhealthy", Registered: time.Now().Add(-time.Hour)})
		s.Nodes[2].ClientIP = ""
	})
	rep := f.run(t, fastOptions(true))
	if rep.Outcome != heal.OutcomeHealed {
		t.Fatalf("outcome %s: %+v", rep.Outcome, rep)
	}
	if b := broker(rep, 1); b.Status != heal.StatusHealed || b.Register != "10.0.1.101:9098" {
		t.Errorf("broker 1: %+v", b)
	}
	if got := eventString(f.events(f.spec.Paths[0].TargetGroupARN)); got != "10.0.1.101 registered, 10.0.1.101 healthy" {
		t.Errorf("broker 1's group: %s", got)
	}
	if b := broker(rep, 2); b.Status != heal.StatusHealed || strings.Join(b.Deregister, ",") != "10.0.2.102:9092" || b.Register != "" {
		t.Errorf("broker 2: %+v", b)
	}
	if b := broker(rep, 3); b.Status != heal.StatusWaiting {
		t.Errorf("broker 3: %+v", b)
	}
}

// TestSpecValidate: input the reconciler cannot start from.
func TestSpecValidate(t *testing.T) {
	t.Parallel()
	good := heal.SpecFromDeployment(awsfake.Sample())
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(*heal.Spec)
		want string
	}{
		"cluster":  {func(s *heal.Spec) { s.ClusterARN = "my-cluster" }, `cluster ARN "my-cluster" is not an MSK cluster ARN`},
		"none":     {func(s *heal.Spec) { s.Paths = nil }, "no broker paths"},
		"twice":    {func(s *heal.Spec) { s.Paths[1].BrokerID = 1 }, "broker 1 is listed twice"},
		"group":    {func(s *heal.Spec) { s.Paths[0].TargetGroupARN = "tg-1" }, `broker 1: target group ARN "tg-1" is not`},
		"hostname": {func(s *heal.Spec) { s.Paths[2].Hostname = "" }, "broker 3: no hostname"},
	} {
		s := heal.SpecFromDeployment(awsfake.Sample())
		c.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

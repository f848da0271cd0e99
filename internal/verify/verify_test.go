package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// startEnv starts a local MSK-like environment for one test.
func startEnv(t testing.TB) (*localmsk.Env, verify.Target) {
	t.Helper()
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("starting the local environment: %v", err)
	}
	t.Cleanup(func() { _ = env.Close() })
	tg, err := cli.TargetFromLocal(env.Info())
	if err != nil {
		t.Fatalf("TargetFromLocal: %v", err)
	}
	return env, tg
}

// editPolicy returns the environment's default policy with action removed
// from (or, with add, added to) every statement that lists anchor.
func editPolicy(t *testing.T, info localmsk.Info, anchor, action string, add bool) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(localmsk.DefaultPolicy(info.ClusterARN), &doc); err != nil {
		t.Fatal(err)
	}
	changed := false
	for _, s := range doc["Statement"].([]any) {
		st := s.(map[string]any)
		var acts []string
		for _, a := range st["Action"].([]any) {
			acts = append(acts, a.(string))
		}
		if !slices.Contains(acts, anchor) {
			continue
		}
		if add {
			acts = append(acts, action)
		} else {
			acts = slices.DeleteFunc(acts, func(a string) bool { return a == action })
		}
		st["Action"] = acts
		changed = true
	}
	if !changed {
		t.Fatalf("default policy has no statement with %s", anchor)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func opts(stage time.Duration) verify.Options {
	return verify.Options{Timeout: max(10*time.Second, 2*stage), StageTimeout: stage}
}

func TestRunHappyPath(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	rep := verify.Run(context.Background(), tg, opts(5*time.Second))
	if !rep.Passed || rep.ExitCode() != 0 {
		var b bytes.Buffer
		rep.WriteTable(&b)
		t.Fatalf("want a passing report, got:\n%s", b.String())
	}
	if len(rep.Paths) != 3 {
		t.Fatalf("want 3 paths, got %d", len(rep.Paths))
	}
	for _, p := range rep.Paths {
		if len(p.Stages) != len(verify.Stages) {
			t.Errorf("broker %d: %d stages, want %d", p.BrokerID, len(p.Stages), len(verify.Stages))
		}
		for i, s := range p.Stages {
			if s.Check != verify.Stages[i] || !s.OK || s.Target != "broker "+itoa(p.BrokerID) {
				t.Errorf("broker %d stage %d: %+v", p.BrokerID, i, s)
			}
		}
		if p.Partition != int32(p.BrokerID-1) || p.Offset < 0 {
			t.Errorf("broker %d: partition %d offset %d; want the partition it leads (%d) and an offset", p.BrokerID, p.Partition, p.Offset, p.BrokerID-1)
		}
		if !strings.Contains(p.Stage(verify.StageConsume).Detail, rep.RunID) {
			t.Errorf("broker %d: consume did not match this run's record: %q", p.BrokerID, p.Stage(verify.StageConsume).Detail)
		}
	}
	// Every path went through its own NLB stand-in.
	for id, n := range env.ConnectionCounts() {
		if n < 1 {
			t.Errorf("NLB %d carried no connection", id)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// skewStage is the stage bound of the clock-skew cases: room for the
// clock probe on a loaded machine.
const skewStage = 15 * time.Second

// TestRunFaults injects each fault of the local environment and asserts the
// stage that fails, on which brokers, the diagnosis and the next step.
func TestRunFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		stage  time.Duration // stage timeout
		inject func(t *testing.T, e *localmsk.Env, tg *verify.Target)
		// failing broker → failed stage; other brokers must pass.
		fail       map[int]string
		alt        string // another acceptable failed stage (timing-dependent)
		detail     string
		next       string
		notDetail  string
		landsOn    map[int]int
		check      string // a failing engine check instead of/besides paths
		checkInDet string
		// aws overrides the expectation for AWS_MSK_IAM, where it differs.
		aws *faultWant
	}{
		{
			name:   "NLB down",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.SetNLBDown(2, true)) },
			fail:   map[int]string{2: verify.StageTCP},
			detail: "TCP connection refused by NLB 2 (127.0.0.1:",
			next:   "check NLB 2 exists and has a TCP listener on 9098",
		},
		{
			name:    "NLB routed to the wrong broker",
			inject:  func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.RouteNLB(2, 3)) },
			fail:    map[int]string{2: verify.StageProduce},
			detail:  "path to broker 2 lands on broker 3",
			next:    "NLB 2's target group must hold broker 2's client IP",
			landsOn: map[int]int{2: 3},
			// The payload is signed for broker 2's host: broker 3 says
			// Access denied at SASL, as MSK does.
			aws: &faultWant{fail: map[int]string{2: verify.StageSASL}, detail: "path to broker 2 lands on broker 3: the AWS_MSK_IAM payload signed for b-2.", next: "NLB 2's target group must hold broker 2's client IP", landsOn: map[int]int{2: 3}},
		},
		{
			name:   "broker down",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.SetBrokerDown(3, true)) },
			// The NLB stand-in accepts, then resets when the broker refuses:
			// reported at tls whether the reset beats the dial or not.
			fail:   map[int]string{3: verify.StageTLS},
			detail: "no healthy broker behind it",
			next:   "check the health of NLB 3's target group",
		},
		{
			name:   "certificate for the wrong host",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.SetCertFault(localmsk.CertWrongHost)) },
			fail:   map[int]string{1: verify.StageTLS, 2: verify.StageTLS, 3: verify.StageTLS},
			detail: "is for *.wrong-host.invalid, not b-",
			next:   "forwards to something other than broker",
		},
		{
			name:   "certificate from an unknown CA",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.SetCertFault(localmsk.CertUnknownCA)) },
			fail:   map[int]string{1: verify.StageTLS, 2: verify.StageTLS, 3: verify.StageTLS},
			detail: "signed by an unknown authority",
			next:   "--ca-file",
		},
		{
			name: "clock skew, broker clock ahead",
			// The clock probe takes ~16 connections through the path:
			// under load 3s is not enough, and the report then says
			// only "Access denied" (with a hint to raise the bound).
			stage:  skewStage,
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { e.SetClockSkew(time.Hour) },
			fail:   map[int]string{1: verify.StageSASL, 2: verify.StageSASL, 3: verify.StageSASL},
			detail: "clock skew, this machine's clock is 1h0m0s (±1m) behind the broker's",
			next:   "sync this machine's clock",
		},
		{
			name:   "clock skew, broker clock behind",
			stage:  skewStage,
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { e.SetClockSkew(-time.Hour) },
			fail:   map[int]string{1: verify.StageSASL, 2: verify.StageSASL, 3: verify.StageSASL},
			detail: "clock skew, this machine's clock is 1h0m0s (±1m) ahead of the broker's",
			next:   "sync this machine's clock",
		},
		{
			name:      "rejected credentials",
			inject:    func(t *testing.T, e *localmsk.Env, _ *verify.Target) { e.SetRejectCredentials(true) },
			fail:      map[int]string{1: verify.StageSASL, 2: verify.StageSASL, 3: verify.StageSASL},
			detail:    "rejected the IAM token: SASL_AUTHENTICATION_FAILED (",
			next:      "kafka-cluster:Connect on arn:aws:kafka:us-east-1:",
			notDetail: "clock skew",
		},
		{
			name: "missing WriteData",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) {
				must(t, e.SetPolicy(editPolicy(t, e.Info(), "kafka-cluster:WriteData", "kafka-cluster:WriteData", false)))
			},
			fail:   map[int]string{1: verify.StageProduce, 2: verify.StageProduce, 3: verify.StageProduce},
			detail: "not authorized to write to topic mskvpce-verify: TOPIC_AUTHORIZATION_FAILED",
			next:   "add kafka-cluster:WriteData (with kafka-cluster:DescribeTopic) on arn:aws:kafka:us-east-1:111122223333:topic/",
		},
		{
			name: "missing ReadData",
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) {
				must(t, e.SetPolicy(editPolicy(t, e.Info(), "kafka-cluster:ReadData", "kafka-cluster:ReadData", false)))
			},
			fail:   map[int]string{1: verify.StageConsume, 2: verify.StageConsume, 3: verify.StageConsume},
			detail: "not authorized to read from topic mskvpce-verify",
			next:   "add kafka-cluster:ReadData",
		},
		{
			name:   "latency beyond the stage timeout",
			stage:  time.Second,
			inject: func(t *testing.T, e *localmsk.Env, _ *verify.Target) { must(t, e.SetLatency(1, 2500*time.Millisecond)) },
			fail:   map[int]string{1: verify.StageTLS},
			detail: "TLS handshake via NLB 1 (127.0.0.1:",
			next:   "raise --stage-timeout",
		},
		{
			name: "connect rate limit",
			inject: func(t *testing.T, e *localmsk.Env, tg *verify.Target) {
				e.SetConnectRateLimit(0.01)
				// A first run spends each broker's one-connection burst.
				if rep := verify.Run(context.Background(), *tg, opts(5*time.Second)); !rep.Passed {
					t.Fatal("the run spending the burst should pass")
				}
			},
			fail:   map[int]string{1: verify.StageSASL, 2: verify.StageSASL, 3: verify.StageSASL},
			detail: "Too many connects",
			next:   "retry in a few seconds",
		},
		{
			name: "unmapped broker is refused",
			inject: func(t *testing.T, e *localmsk.Env, tg *verify.Target) {
				tg.Paths = tg.Paths[:2]
			},
			check:      verify.CheckRoute,
			checkInDet: "refused: the cluster advertises broker 3 as b-3.",
		},
		{
			name: "endpoint map pairs brokers with the wrong hostnames",
			inject: func(t *testing.T, e *localmsk.Env, tg *verify.Target) {
				tg.Paths[0].Advertised, tg.Paths[1].Advertised = tg.Paths[1].Advertised, tg.Paths[0].Advertised
			},
			fail:   map[int]string{1: verify.StageMetadata, 2: verify.StageMetadata},
			detail: "cluster metadata does not match the endpoint map: broker ",
			next:   "rebuild the map from the current `terraform output -json`",
			aws:    &faultWant{fail: map[int]string{1: verify.StageSASL, 2: verify.StageSASL}, detail: "AWS_MSK_IAM signatures are bound to the broker's host", next: "rebuild the map from the current `terraform output -json`", landsOn: map[int]int{1: 2, 2: 1}},
		},
		{
			name: "missing topic, CreateTopic denied",
			inject: func(t *testing.T, e *localmsk.Env, tg *verify.Target) {
				tg.Topic = "verify-missing"
			},
			fail:       map[int]string{1: verify.StageProduce, 2: verify.StageProduce, 3: verify.StageProduce},
			check:      verify.CheckTopic,
			checkInDet: "topic verify-missing is missing and creating it was denied",
		},
	}
	for _, mech := range []string{verify.MechanismAWSMSKIAM, verify.MechanismOAuthBearer} {
		for _, tc := range cases {
			if w := tc.aws; w != nil && mech == verify.MechanismAWSMSKIAM {
				tc.fail, tc.detail, tc.next, tc.landsOn = w.fail, w.detail, w.next, w.landsOn
			}
			t.Run(mech+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				env, tg := startEnv(t)
				tc.inject(t, env, &tg)
				st := tc.stage
				if st == 0 {
					st = 3 * time.Second
				}
				o := opts(st)
				o.Mechanisms = []string{mech}
				rep := verify.Run(context.Background(), tg, o)
				var table bytes.Buffer
				if err := rep.WriteTable(&table); err != nil {
					t.Fatal(err)
				}
				defer func() {
					if t.Failed() {
						t.Logf("report:\n%s", table.String())
					}
				}()
				if rep.Passed || rep.ExitCode() != 1 {
					t.Fatalf("want a failing report (exit 1), got passed=%v exit=%d", rep.Passed, rep.ExitCode())
				}
				for _, p := range rep.Paths {
					stage, wantFail := tc.fail[p.BrokerID]
					f, failed := p.Failed()
					if !wantFail {
						if failed || !p.Passed {
							t.Errorf("broker %d: want pass, got %s failure: %s", p.BrokerID, f.Check, f.Detail)
						}
						continue
					}
					if !failed {
						// Skipped stages count as failures of the path (topic unusable).
						if p.Passed || p.Stage(stage).OK {
							t.Errorf("broker %d: want %s to fail, path passed", p.BrokerID, stage)
						}
						continue
					}
					if f.Check == tc.alt {
						stage = tc.alt
					}
					if f.Check != stage {
						t.Errorf("broker %d: failed at %s, want %s (%s)", p.BrokerID, f.Check, stage, f.Detail)
					}
					if !strings.Contains(f.Detail, tc.detail) {
						t.Errorf("broker %d: detail %q lacks %q", p.BrokerID, f.Detail, tc.detail)
					}
					if tc.notDetail != "" && strings.Contains(f.Detail, tc.notDetail) {
						t.Errorf("broker %d: detail %q should not say %q", p.BrokerID, f.Detail, tc.notDetail)
					}
					if !strings.Contains(f.NextStep, tc.next) {
						t.Errorf("broker %d: next step %q lacks %q", p.BrokerID, f.NextStep, tc.next)
					}
					if f.Millis < 0 || f.Target != "broker "+itoa(p.BrokerID) {
						t.Errorf("broker %d: finding %+v", p.BrokerID, f)
					}
					for _, later := range p.Stages[slices.Index(verify.Stages, stage)+1:] {
						if !later.Skipped {
							t.Errorf("broker %d: stage %s after the failed %s should be skipped", p.BrokerID, later.Check, stage)
						}
					}
					if want := tc.landsOn[p.BrokerID]; p.LandsOn != want {
						t.Errorf("broker %d: lands on %d, want %d", p.BrokerID, p.LandsOn, want)
					}
				}
				if tc.check != "" {
					found := false
					for _, c := range rep.Checks {
						if c.Check == tc.check && !c.OK && strings.Contains(c.Detail, tc.checkInDet) && c.NextStep != "" {
							found = true
						}
					}
					if !found {
						t.Errorf("no failing %s check saying %q in %+v", tc.check, tc.checkInDet, rep.Checks)
					}
				}
				for _, p := range rep.Paths {
					if p.Mechanism != mech {
						t.Errorf("broker %d: report says mechanism %q, want %q", p.BrokerID, p.Mechanism, mech)
					}
				}
			})
		}
	}
}

// faultWant is a fault's expected outcome for one mechanism.
type faultWant struct {
	fail         map[int]string
	detail, next string
	landsOn      map[int]int
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunCreatesTopic: with kafka-cluster:CreateTopic granted, a missing
// verification topic is created and every path verifies through it.
// A bootstrap address must reach a path: a broker's advertised address, or
// an alias the consumer's DNS sends to a mapped broker (an Express
// cluster's boot-... hosts, which are no broker's). Anything else is
// refused, a broker no longer mapped (being removed) included.
func TestBootstrapRoutes(t *testing.T) {
	t.Parallel()
	_, base := startEnv(t)
	host, port, _ := net.SplitHostPort(base.Paths[0].Advertised)
	_, domain, _ := strings.Cut(host, ".")
	boot := "boot-aa1." + domain
	cases := []struct {
		name      string
		bootstrap []string
		aliases   map[string]int
		refused   []string // the refused bootstrap addresses
	}{
		{name: "brokers", bootstrap: base.Bootstrap},
		{name: "boot host on an alias", bootstrap: []string{net.JoinHostPort(boot, port)}, aliases: map[string]int{boot: 1}},
		{name: "alias in another case", bootstrap: []string{net.JoinHostPort(strings.ToUpper(boot), port)}, aliases: map[string]int{boot: 2}},
		{name: "boot host without alias", bootstrap: []string{net.JoinHostPort(boot, port)}, refused: []string{net.JoinHostPort(boot, port)}},
		{name: "boot host on another port", bootstrap: []string{net.JoinHostPort(boot, "9092")}, aliases: map[string]int{boot: 1}, refused: []string{net.JoinHostPort(boot, "9092")}},
		{name: "a broker without a path", bootstrap: []string{net.JoinHostPort("b-9."+domain, port), base.Paths[0].Advertised}, aliases: map[string]int{boot: 1}, refused: []string{net.JoinHostPort("b-9."+domain, port)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := base
			tg.Bootstrap, tg.Aliases = tc.bootstrap, tc.aliases
			if err := tg.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			rep := verify.Run(context.Background(), tg, opts(5*time.Second))
			var refused []string
			for _, c := range rep.Checks {
				if c.Check == verify.CheckRoute && !c.OK {
					refused = append(refused, strings.TrimPrefix(c.Target, "bootstrap "))
				}
			}
			if !slices.Equal(refused, tc.refused) || rep.Passed != (len(tc.refused) == 0) {
				var b bytes.Buffer
				_ = rep.WriteTable(&b)
				t.Errorf("refused %q (passed %v), want %q:\n%s", refused, rep.Passed, tc.refused, b.String())
			}
		})
	}
}

func TestRunCreatesTopic(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetPolicy(editPolicy(t, env.Info(), "kafka-cluster:WriteData", "kafka-cluster:CreateTopic", true)))
	tg.Topic = "verify-created"
	rep := verify.Run(context.Background(), tg, opts(5*time.Second))
	var b bytes.Buffer
	rep.WriteTable(&b)
	var topic *verify.CheckResult
	for i := range rep.Checks {
		if rep.Checks[i].Check == verify.CheckTopic {
			topic = &rep.Checks[i]
		}
	}
	if topic == nil || !strings.Contains(topic.Detail, "topic verify-created created") {
		t.Fatalf("want the topic check to report creation, got:\n%s", b.String())
	}
	// Kafka (and the local environment) make the first replica of each
	// assigned partition its leader: partition i is led by the i-th broker,
	// so every path has its own partition and passes.
	for i, p := range rep.Paths {
		if p.Partition != int32(i) || !p.Passed {
			t.Errorf("broker %d: partition %d passed=%v, want partition %d led by it and passing:\n%s", p.BrokerID, p.Partition, p.Passed, i, b.String())
		}
	}
	if !topic.OK || !rep.Passed {
		t.Errorf("topic ok=%v, report passed=%v; want both:\n%s", topic.OK, rep.Passed, b.String())
	}
}

// TestConcurrentRuns: two runs at once against the same cluster each read
// back their own records, matched by run id.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	_, tg := startEnv(t)
	reps := make([]*verify.Report, 2)
	done := make(chan int)
	for i := range reps {
		go func() {
			o := opts(5 * time.Second)
			o.RunID = "concurrent-" + strconv.Itoa(i)
			reps[i] = verify.Run(context.Background(), tg, o)
			done <- i
		}()
	}
	<-done
	<-done
	for i, rep := range reps {
		if !rep.Passed {
			t.Fatalf("run %d failed", i)
		}
		for _, p := range rep.Paths {
			if d := p.Stage(verify.StageConsume).Detail; !strings.Contains(d, "concurrent-"+strconv.Itoa(i)+"/broker-") {
				t.Errorf("run %d broker %d consumed %q", i, p.BrokerID, d)
			}
		}
	}
	// Both wrote to the same partitions: the offsets differ.
	for j := range reps[0].Paths {
		if reps[0].Paths[j].Offset == reps[1].Paths[j].Offset {
			t.Errorf("broker %d: both runs report offset %d", reps[0].Paths[j].BrokerID, reps[0].Paths[j].Offset)
		}
	}
}

// TestRunIsBounded: with every path stalled, Run still returns within the
// overall timeout (plus closing time) and leaves no goroutine behind.
func TestRunIsBounded(t *testing.T) {
	env, tg := startEnv(t)
	// Warm up (first-use allocations, pools) and settle.
	verify.Run(context.Background(), tg, opts(3*time.Second))
	base := settledGoroutines()

	for id := 1; id <= 3; id++ {
		must(t, env.SetLatency(id, 1500*time.Millisecond))
	}
	start := time.Now()
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 700 * time.Millisecond, StageTimeout: 500 * time.Millisecond})
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Run took %s with a 700ms timeout", el)
	}
	if rep.Passed {
		t.Fatal("stalled paths passed")
	}
	for _, p := range rep.Paths {
		if f, ok := p.Failed(); !ok || f.Check != verify.StageTLS {
			t.Errorf("broker %d: want a tls timeout, got %+v", p.BrokerID, f)
		}
	}
	for id := 1; id <= 3; id++ {
		must(t, env.SetLatency(id, 0))
	}
	// Cancelled by the caller mid-run: returns promptly too.
	ctx, cancel := context.WithCancel(context.Background())
	must(t, env.SetLatency(2, 1500*time.Millisecond))
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	rep = verify.Run(ctx, tg, opts(3*time.Second))
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancelled Run took %s", el)
	}
	if rep.ExitCode() != 1 {
		t.Error("cancelled run should fail")
	}
	if f, ok := rep.Paths[1].Failed(); !ok || !strings.Contains(f.Detail, "interrupted") {
		t.Errorf("broker 2 should report the interruption, got %+v", f)
	}
	must(t, env.SetLatency(2, 0))
	if n := settledGoroutines(); n > base {
		buf := make([]byte, 1<<20)
		t.Errorf("client goroutines: %d after the runs, %d before\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits for the number of client-side goroutines (sarama's
// and this package's; the local environment's own are not ours to count) to
// stop falling, and returns it.
func settledGoroutines() int {
	n := clientGoroutines()
	for range 40 {
		time.Sleep(50 * time.Millisecond)
		m := clientGoroutines()
		if m == n {
			return m
		}
		n = m
	}
	return n
}

func clientGoroutines() int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/IBM/sarama.") || strings.Contains(g, "mskvpce/internal/verify.") {
			n++
		}
	}
	return n
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetNLBDown(1, true))
	rep := verify.Run(context.Background(), tg, opts(3*time.Second))
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SchemaVersion int    `json:"schema_version"`
		RunID         string `json:"run_id"`
		Passed        bool   `json:"passed"`
		Paths         []struct {
			BrokerID int  `json:"broker_id"`
			Passed   bool `json:"passed"`
			Stages   []struct {
				Check    string `json:"check"`
				OK       bool   `json:"ok"`
				Skipped  bool   `json:"skipped"`
				Detail   string `json:"detail"`
				NextStep string `json:"next_step"`
			} `json:"stages"`
		} `json:"paths"`
		Checks []json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, b.String())
	}
	if got.SchemaVersion != verify.SchemaVersion || got.RunID != rep.RunID || got.Passed || len(got.Paths) != 3 {
		t.Fatalf("unexpected report: %s", b.String())
	}
	p1 := got.Paths[0]
	if p1.BrokerID != 1 || p1.Passed || p1.Stages[1].Check != "tcp" || p1.Stages[1].OK || p1.Stages[1].NextStep == "" || !p1.Stages[2].Skipped {
		t.Errorf("broker 1 should fail at tcp with a next step: %+v", p1)
	}
	if !got.Paths[1].Passed || !got.Paths[2].Passed {
		t.Errorf("brokers 2 and 3 should pass: %s", b.String())
	}
}

func TestAddChecksFailsReport(t *testing.T) {
	t.Parallel()
	_, tg := startEnv(t)
	rep := verify.Run(context.Background(), tg, opts(3*time.Second))
	if rep.ExitCode() != 0 {
		t.Fatal("want a pass before adding checks")
	}
	rep.AddChecks(verify.CheckResult{Check: "nlb-target", Target: "broker 2", Detail: "unhealthy", NextStep: "fix it"})
	if rep.Passed || rep.ExitCode() != 1 {
		t.Error("a failing control-plane check must fail the report")
	}
}

// TestChecksReport: a control-plane-only report passes only with at least
// one check and no failed one, and its table says the data path was not
// checked.
func TestChecksReport(t *testing.T) {
	t.Parallel()
	ok := verify.CheckResult{Check: "nlb-target", Target: "broker 1", OK: true, Detail: "targets 10.0.1.101:9098"}
	bad := verify.CheckResult{Check: "target-health", Target: "broker 2", Detail: "target 10.0.2.102:9098 is unhealthy", NextStep: "check the broker security group"}
	cases := []struct {
		name   string
		checks []verify.CheckResult
		pass   bool
		want   []string
	}{
		{"none", nil, false, []string{"FAIL: 0 of 0 control-plane checks passed"}},
		{"all ok", []verify.CheckResult{ok}, true, []string{"Control plane (AWS APIs): 1 passed, 0 failed", "PASS: 1 of 1 control-plane checks passed; data path not checked"}},
		{"one failed", []verify.CheckResult{ok, bad}, false, []string{"1 passed, 1 failed", "broker 2, target-health: target 10.0.2.102:9098 is unhealthy", "next: check the broker security group", "FAIL: 1 of 2 control-plane checks passed, 1 failure(s)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := verify.NewChecksReport("run1", "us-east-1")
			rep.AddChecks(tc.checks...)
			var b bytes.Buffer
			if err := rep.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			if rep.Passed != tc.pass || (rep.ExitCode() == 0) != tc.pass {
				t.Errorf("passed=%v exit=%d, want pass=%v", rep.Passed, rep.ExitCode(), tc.pass)
			}
			for _, w := range append(tc.want, "control plane only") {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
			if strings.Contains(b.String(), "BROKER") {
				t.Errorf("a control-plane-only table has a broker path table:\n%s", b.String())
			}
		})
	}
}

package heal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/heal"
	"github.com/mskvpce/mskvpce/internal/heallambda"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/localmsk/awsapi"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// local is the local MSK-like environment with its AWS control plane: MSK
// (awsapi.Serve) and the NLB stand-ins as NLBs and target groups that follow
// their healthy targets (awsapi.ServeNLBs), the NLB's health checks 100
// times faster than AWS's (300 ms for 3 × 10 s).
type local struct {
	env    *localmsk.Env
	srv    *awsfake.Server
	d      tfoutputs.Deployment
	target verify.Target
	hc     awsfake.HealthCheck
}

func startLocal(tb testing.TB) *local {
	tb.Helper()
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { env.Close() })
	srv, err := awsapi.Serve(env)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	info := env.Info()
	l := &local{env: env, srv: srv, hc: awsfake.DefaultHealthCheck.Scaled(100)}
	l.d = tfoutputs.Deployment{Region: info.Region, ClusterARN: info.ClusterARN, ClusterName: info.ClusterName}
	account := strings.Split(info.ClusterARN, ":")[4]
	var nlbs []awsapi.NLB
	for _, b := range info.Brokers {
		n := awsapi.NLB{
			BrokerID:       b.BrokerID,
			NLBARN:         fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/local-nlb-%d/%016x", info.Region, account, b.BrokerID, 0x50e1+b.BrokerID),
			TargetGroupARN: fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%016x", info.Region, account, awsfake.TargetGroupName("local", b.BrokerID, b.BrokerID), 0x7a+b.BrokerID),
		}
		nlbs = append(nlbs, n)
		l.d.Brokers = append(l.d.Brokers, tfoutputs.Broker{ID: b.BrokerID, Hostname: b.Hostname, ClientIP: b.ClientIP, NLBARN: n.NLBARN, TargetGroupARN: n.TargetGroupARN})
	}
	f, err := awsapi.ServeNLBs(env, srv, nlbs, l.hc)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.Stop)
	if l.target, err = cli.TargetFromLocal(info); err != nil {
		tb.Fatal(err)
	}
	return l
}

// verify runs the data path through every NLB stand-in and the control-plane
// checks of the NLB targets, as `verify --tf-outputs` does.
func (l *local) verify(tb testing.TB) *verify.Report {
	tb.Helper()
	rep, err := verify.Verify(context.Background(), verify.Request{
		Target:          l.target,
		AWS:             l.srv.Config(),
		Data:            true,
		Deployment:      &l.d,
		ControlPlane:    []string{controlplane.CheckNLBTarget, controlplane.CheckTargetHealth},
		RunControlPlane: controlplane.Checker,
		Options:         verify.Options{Timeout: 20 * time.Second, StageTimeout: time.Second},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func (l *local) lambda(tb testing.TB) *heallambda.Function {
	tb.Helper()
	p, err := heallambda.EncodePaths(heal.SpecFromDeployment(l.d).Paths)
	if err != nil {
		tb.Fatal(err)
	}
	a := heal.NewAWS(l.srv.Config(), heal.Retry{})
	var out strings.Builder
	return &heallambda.Function{
		Config:  heallambda.Config{Spec: heal.Spec{ClusterARN: l.d.ClusterARN, Paths: mustDecode(tb, p)}, Namespace: "mskvpce/BrokerHealer", Name: "local", HealthyTimeout: 10 * time.Second},
		Cluster: a, Groups: a, Metrics: &out, Poll: 10 * time.Millisecond,
	}
}

func mustDecode(tb testing.TB, p heallambda.Paths) []heal.Path {
	paths, err := p.Decode()
	if err != nil {
		tb.Fatal(err)
	}
	return paths
}

// failures lists what failed in a report, as "broker N stage: detail".
func failures(r *verify.Report) []string {
	var out []string
	for _, p := range r.Paths {
		for _, s := range p.Stages {
			if !s.OK {
				out = append(out, fmt.Sprintf("broker %d %s: %s", p.BrokerID, s.Check, s.Detail))
			}
		}
	}
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, fmt.Sprintf("%s %s: %s", c.Target, c.Check, c.Detail))
		}
	}
	return out
}

// TestHealReplacedBrokerLocal, end to end offline: verify passes; MSK
// replaces broker 2 (new client IP; its NLB stand-in still targets the old
// one) and verify fails on that path alone, naming the stale target; the
// healer's Lambda handler, in process, heals it through the AWS API; verify
// passes again, the old target draining.
func TestHealReplacedBrokerLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the local MSK-like environment")
	}
	t.Parallel()
	l := startLocal(t)
	if r := l.verify(t); !r.Passed {
		t.Fatalf("before the replacement: %v", failures(r))
	}
	old := l.env.Info().Brokers[1].ClientIP
	if err := l.env.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	now := l.env.Info().Brokers[1].ClientIP
	r := l.verify(t)
	fails := strings.Join(failures(r), "\n")
	if r.Passed || !strings.Contains(fails, fmt.Sprintf("broker 2 nlb-target: target %s:9098 is stale: broker 2's client IP is now %s", old, now)) ||
		!strings.Contains(fails, "broker 2 tcp:") || strings.Contains(fails, "broker 1") || strings.Contains(fails, "broker 3") {
		t.Fatalf("after the replacement, want broker 2's path alone failing with its stale target; got:\n%s", fails)
	}

	rep, err := l.lambda(t).Invoke(context.Background(), nil)
	if err != nil || rep.Outcome != heal.OutcomeHealed || broker(rep, 2).Register != now+":9098" {
		t.Fatalf("heal: %v %+v", err, rep)
	}
	r = l.verify(t)
	if !r.Passed {
		t.Fatalf("after the heal: %v", failures(r))
	}
	for _, c := range r.Checks {
		if c.Check == controlplane.CheckNLBTarget && c.Target == "broker 2" && !strings.Contains(c.Detail, old+":9098 draining") {
			t.Errorf("broker 2's nlb-target after the heal: %s (want the old target draining)", c.Detail)
		}
	}
}

// BenchmarkReplacedBrokerToPassingPath is the time from MSK replacing a
// broker to its path passing verify again, offline: the healer run at once
// (on AWS the schedule adds up to one interval before it runs), the NLB's
// health checks 100 times faster than AWS's (300 ms), then verify through
// every path. overhead-ms is what is not the health checks.
func BenchmarkReplacedBrokerToPassingPath(b *testing.B) {
	l := startLocal(b)
	f := l.lambda(b)
	n := len(l.d.Brokers)
	var total time.Duration
	i := 0
	for b.Loop() {
		id := i%n + 1
		i++
		start := time.Now()
		if err := l.env.ReplaceBroker(id); err != nil {
			b.Fatal(err)
		}
		rep, err := f.Invoke(context.Background(), nil)
		if err != nil || rep.Outcome != heal.OutcomeHealed {
			b.Fatalf("%v %+v", err, rep)
		}
		for {
			r := l.verify(b)
			if r.Passed {
				break
			}
			if time.Since(start) > 30*time.Second {
				b.Fatalf("broker %d's path does not pass 30 s after its replacement: %v", id, failures(r))
			}
		}
		total += time.Since(start)
	}
	mean := total / time.Duration(b.N)
	b.ReportMetric(float64(mean.Milliseconds()), "ms-to-pass")
	b.ReportMetric(float64((mean - l.hc.Healthy).Milliseconds()), "overhead-ms")
}

package heal_test

import (
	"context"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/heal"
)

// BenchmarkChangeToPassing measures, against the fake, the time from a
// broker's move to the moment the control-plane checks of its path
// (nlb-target, target-health) pass again, with the reconciler run at once
// (on AWS the schedule adds up to one interval before it runs). The fake's
// NLB health checks run 100 times faster than AWS's (300 ms for 3 × 10 s),
// so the figure that matters is overhead-ms: the time beyond the health
// checks, spent in the healer's own calls and polling and the checks.
func BenchmarkChangeToPassing(b *testing.B) {
	hc := awsfake.DefaultHealthCheck.Scaled(100)
	d := awsfake.Sample()
	spec := heal.SpecFromDeployment(d)
	checks := controlplane.Options{Checks: []string{controlplane.CheckNLBTarget, controlplane.CheckTargetHealth}}
	o := heal.Options{Apply: true, HealthyTimeout: 10 * time.Second, Poll: 10 * time.Millisecond}
	ctx := context.Background()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		st := awsfake.Healthy(d)
		st.HealthCheck = &hc
		st.MarkLive(time.Now().Add(-time.Hour))
		srv := awsfake.Start(st)
		a := heal.NewAWS(srv.Config(), heal.Retry{})
		cc := controlplane.NewClients(srv.Config())
		b.StartTimer()

		start := time.Now()
		srv.Update(func(s *awsfake.State) { s.Nodes[1].ClientIP = "10.0.2.150" })
		rep, err := heal.Reconcile(ctx, a, a, spec, o)
		if err != nil || rep.Outcome != heal.OutcomeHealed {
			b.Fatalf("%v %+v", err, rep)
		}
		for _, f := range controlplane.Run(ctx, cc, d, checks) {
			if !f.OK {
				b.Fatalf("%s / %s: %s", f.Check, f.Target, f.Detail)
			}
		}
		total += time.Since(start)

		b.StopTimer()
		srv.Close()
		b.StartTimer()
	}
	mean := total / time.Duration(b.N)
	b.ReportMetric(float64(mean.Milliseconds()), "ms-to-pass")
	b.ReportMetric(float64((mean - hc.Healthy).Milliseconds()), "overhead-ms")
}

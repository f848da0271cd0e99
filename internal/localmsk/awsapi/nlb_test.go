package awsapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/localmsk/awsapi"
)

// TestNLBsFollowTheirTargetGroups: a replaced broker's NLB stand-in keeps
// its old IP until its target group holds the new one, healthy; a target
// where no broker listens never becomes healthy and moves nothing.
func TestNLBsFollowTheirTargetGroups(t *testing.T) {
	t.Parallel()
	e, srv := serveLocal(t, t.TempDir())
	var nlbs []awsapi.NLB
	for i := 1; i <= 3; i++ {
		nlbs = append(nlbs, awsapi.NLB{BrokerID: i,
			NLBARN:         fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/n%d/%016x", i, i),
			TargetGroupARN: fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t%d/%016x", i, i)})
	}
	// The fake's time steps only when the test says: AWS's own 30 s of
	// health checks, however slow the machine.
	var mu sync.Mutex
	clk := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.Update(func(s *awsfake.State) {
		s.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return clk }
	})
	advance := func(d time.Duration) { mu.Lock(); clk = clk.Add(d); mu.Unlock() }
	f, err := awsapi.ServeNLBs(e, srv, nlbs, awsfake.DefaultHealthCheck)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	old := e.Info().Brokers[1]
	if err := e.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	now := e.Info().Brokers[1].ClientIP
	c := elb.NewFromConfig(srv.Config())
	register := func(ip string) {
		t.Helper()
		_, err := c.RegisterTargets(context.Background(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(nlbs[1].TargetGroupARN),
			Targets: []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(9098)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	register("10.0.2.250") // nobody there
	advance(time.Minute)
	time.Sleep(50 * time.Millisecond) // ten rounds of the follower
	if got := e.Info().Brokers[1].NLBTarget; got != old.NLBTarget {
		t.Fatalf("the stand-in moved to %s before its group had a healthy new target", got)
	}
	register(now)
	advance(29 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if got := e.Info().Brokers[1].NLBTarget; got != old.NLBTarget {
		t.Fatalf("the stand-in moved to %s before the new target passed its health checks", got)
	}
	advance(time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for e.Info().Brokers[1].NLBTarget != now+":9098" {
		if time.Now().After(deadline) {
			t.Fatalf("the stand-in still targets %s 5 s after %s was registered", e.Info().Brokers[1].NLBTarget, now)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, b := range []int{0, 2} {
		if got, want := e.Info().Brokers[b].NLBTarget, e.Info().Brokers[b].ClientIP+":9098"; got != want {
			t.Errorf("NLB %d: %s, want %s", b+1, got, want)
		}
	}
}

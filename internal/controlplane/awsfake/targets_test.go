package awsfake_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
)

// health returns "id:port=state" for every target of tg, in the fake's order.
func health(t *testing.T, c *elb.Client, tg string) []string {
	t.Helper()
	out, err := c.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, d := range out.TargetHealthDescriptions {
		s = append(s, aws.ToString(d.Target.Id)+"="+string(d.TargetHealth.State))
	}
	return s
}

func target(ip string) []elbtypes.TargetDescription {
	return []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(9098)}}
}

func kinds(evs []awsfake.TargetEvent) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.ID+" "+e.Kind)
	}
	return strings.Join(s, ", ")
}

// clock is a fake's time that a test steps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestTargetLifecycle, at AWS's timing on a stepped clock: a target
// registered at a broker's address is initial, then healthy after the health
// checks' 30 s; one where nothing listens turns unhealthy; a deregistered one
// drains for the 300 s delay, then is gone; registering a registered target
// and deregistering an absent one change nothing.
func TestTargetLifecycle(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	hc := awsfake.DefaultHealthCheck
	st.HealthCheck = &hc
	clk := newClock()
	st.Clock = clk.now
	st.Nodes[0].ClientIP = "10.0.1.150" // broker 1 replaced
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	c := elb.NewFromConfig(srv.Config())
	ctx := context.Background()
	tg := d.Brokers[0].TargetGroupARN

	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: target("10.0.1.150")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: target("10.0.9.9")}); err != nil {
		t.Fatal(err)
	}
	clk.advance(29 * time.Second)
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.101=healthy 10.0.1.150=initial 10.0.9.9=initial" {
		t.Fatalf("29 s after registering: %s", got)
	}
	clk.advance(time.Second)
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.101=healthy 10.0.1.150=healthy 10.0.9.9=unhealthy" {
		t.Fatalf("after the threshold: %s (a fixture's target keeps its state; the broker's address is healthy, the other unhealthy)", got)
	}
	// Again: already registered, so nothing changes (no event, no new threshold).
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: target("10.0.1.150")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(health(t, c, tg), " "); !strings.Contains(got, "10.0.1.150=healthy") {
		t.Fatalf("re-registering reset the target: %s", got)
	}
	for _, ip := range []string{"10.0.1.101", "10.0.1.101", "10.0.7.7"} { // twice, and one never registered
		if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: target(ip)}); err != nil {
			t.Fatalf("deregister %s: %v", ip, err)
		}
	}
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.101=draining 10.0.1.150=healthy 10.0.9.9=unhealthy" {
		t.Fatalf("after deregistering: %s", got)
	}
	clk.advance(299 * time.Second)
	if got := strings.Join(health(t, c, tg), " "); !strings.Contains(got, "10.0.1.101=draining") {
		t.Fatalf("299 s after deregistering: %s", got)
	}
	clk.advance(time.Second)
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.150=healthy 10.0.9.9=unhealthy" {
		t.Fatalf("after the deregistration delay: %s", got)
	}
	want := "10.0.1.150 registered, 10.0.9.9 registered, 10.0.1.150 healthy, 10.0.9.9 unhealthy, 10.0.1.101 draining, 10.0.1.101 removed"
	if got := kinds(srv.TargetEvents()); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// TestTargetRefusals: the errors ELBv2 answers a bad write with.
func TestTargetRefusals(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	srv := awsfake.Start(awsfake.Healthy(d))
	t.Cleanup(srv.Close)
	c := elb.NewFromConfig(srv.Config())
	ctx := context.Background()
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return "no API error: " + errOrNil(err)
	}
	_, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(d.Brokers[0].TargetGroupARN + "0"), Targets: target("10.0.1.150")})
	if code(err) != "TargetGroupNotFound" {
		t.Errorf("unknown group: %v", err)
	}
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(d.Brokers[0].TargetGroupARN), Targets: target("b-1.example")})
	if code(err) != "InvalidTarget" {
		t.Errorf("a name for an ip target: %v", err)
	}
	_, err = c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{d.Brokers[2].TargetGroupARN}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{d.Brokers[2].TargetGroupARN, d.Brokers[0].TargetGroupARN}})
	if len(out.TagDescriptions) != 2 || aws.ToString(out.TagDescriptions[0].Tags[0].Key) != "BrokerId" || aws.ToString(out.TagDescriptions[0].Tags[0].Value) != "3" {
		t.Errorf("DescribeTags: %+v", out)
	}
}

func errOrNil(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestTargetReadLagAndFlaky: a write shows only after ReadLag; Flaky errors
// come first, one per call, then the operation answers.
func TestTargetReadLagAndFlaky(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	clk := newClock()
	st.Clock = clk.now
	st.ReadLag = 2 * time.Second
	st.Flaky = map[string][]awsfake.APIError{"DescribeTargetHealth": {awsfake.Throttling(), awsfake.TargetGroupNotFound(d.Brokers[0].TargetGroupARN)}}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	c := elb.NewFromConfig(srv.Config())
	ctx := context.Background()
	tg := d.Brokers[0].TargetGroupARN
	for _, want := range []string{"Throttling", "TargetGroupNotFound"} {
		_, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != want {
			t.Fatalf("want %s first, got %v", want, err)
		}
	}
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: target("10.0.1.101")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.101=healthy" {
		t.Fatalf("within the read lag: %s", got)
	}
	clk.advance(2 * time.Second)
	if got := strings.Join(health(t, c, tg), " "); got != "10.0.1.101=draining" {
		t.Fatalf("after the read lag: %s", got)
	}
}

// TestTargetListeningKnob: HealthCheck.Listening decides what answers.
func TestTargetListeningKnob(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	hc := awsfake.DefaultHealthCheck.Scaled(1000)
	hc.Listening = func(ip string, port int32) bool { return ip == "10.0.1.101" }
	st.HealthCheck = &hc
	st.MarkLive(time.Now().Add(-time.Hour))
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	c := elb.NewFromConfig(srv.Config())
	if got := strings.Join(health(t, c, d.Brokers[0].TargetGroupARN), " "); got != "10.0.1.101=healthy" {
		t.Errorf("broker 1: %s", got)
	}
	if got := strings.Join(health(t, c, d.Brokers[1].TargetGroupARN), " "); got != "10.0.2.102=unhealthy" {
		t.Errorf("broker 2 (nothing listens, per the knob): %s", got)
	}
}

package heal

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	"github.com/aws/smithy-go"
)

// Retry bounds the SDK's retries of one AWS call: throttling, 5xx and
// connection errors (the SDK's standard set) and TargetGroupNotFound, which
// ELBv2 answers for a while after a group is created (eventual consistency).
type Retry struct {
	// MaxAttempts per call, the first included; zero: 5.
	MaxAttempts int
	// BaseDelay is the first backoff, doubled per attempt with full jitter
	// up to MaxBackoff; zero: 200 ms and 5 s.
	BaseDelay, MaxBackoff time.Duration
}

func (r Retry) retryer() aws.Retryer {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 5
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 200 * time.Millisecond
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 5 * time.Second
	}
	backoff := retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
		d := r.BaseDelay << min(attempt-1, 20)
		if d <= 0 || d > r.MaxBackoff {
			d = r.MaxBackoff
		}
		return time.Duration(rand.Int64N(int64(d)) + 1), nil
	})
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = r.MaxAttempts
		o.Backoff = backoff
		// The bound is the attempts: no shared retry budget that a burst of
		// throttling in one call could spend for the others.
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: map[string]struct{}{"TargetGroupNotFound": {}}})
	})
	return std
}

// AWS drives the reconciler with aws-sdk-go-v2: MSK for the brokers, ELBv2
// for the target groups.
type AWS struct {
	Kafka *kafka.Client
	ELB   *elb.Client
}

// NewAWS builds both clients from cfg (region, credentials, BaseEndpoint
// when pointing at a fake) with the retry bound r, which replaces cfg's.
func NewAWS(cfg aws.Config, r Retry) *AWS {
	rt := r.retryer()
	return &AWS{
		Kafka: kafka.NewFromConfig(cfg, func(o *kafka.Options) { o.Retryer, o.RetryMaxAttempts = rt, 0 }),
		ELB:   elb.NewFromConfig(cfg, func(o *elb.Options) { o.Retryer, o.RetryMaxAttempts = rt, 0 }),
	}
}

// Nodes lists the cluster's broker nodes (kafka:ListNodes).
func (a *AWS) Nodes(ctx context.Context, clusterARN string) ([]Node, error) {
	var out []Node
	p := kafka.NewListNodesPaginator(a.Kafka, &kafka.ListNodesInput{ClusterArn: aws.String(clusterARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("ListNodes", "kafka:ListNodes", clusterARN, err)
		}
		for _, n := range page.NodeInfoList {
			b := n.BrokerNodeInfo
			if b == nil || b.BrokerId == nil {
				continue // a controller or ZooKeeper node
			}
			out = append(out, Node{BrokerID: int(*b.BrokerId), ClientIP: aws.ToString(b.ClientVpcIpAddress), Endpoints: b.Endpoints})
		}
	}
	return out, nil
}

// BrokerTags reads the groups' BrokerId tags (elasticloadbalancing:DescribeTags).
func (a *AWS) BrokerTags(ctx context.Context, arns []string) (map[string]string, error) {
	out, err := a.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns})
	if err != nil {
		what := arns[0]
		if len(arns) > 1 {
			what = fmt.Sprintf("%d target groups", len(arns))
		}
		err = wrap("DescribeTags", "elasticloadbalancing:DescribeTags", what, err)
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "TargetGroupNotFound" {
			return nil, fmt.Errorf("%w: %w", ErrTargetGroupNotFound, err)
		}
		return nil, err
	}
	tags := map[string]string{}
	for _, d := range out.TagDescriptions {
		v := ""
		for _, t := range d.Tags {
			if aws.ToString(t.Key) == BrokerIDTag {
				v = aws.ToString(t.Value)
			}
		}
		tags[aws.ToString(d.ResourceArn)] = v
	}
	return tags, nil
}

// Targets lists a group's targets and their health (elasticloadbalancing:DescribeTargetHealth).
func (a *AWS) Targets(ctx context.Context, arn string) ([]Target, error) {
	out, err := a.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return nil, wrap("DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth", arn, err)
	}
	var ts []Target
	for _, d := range out.TargetHealthDescriptions {
		var t Target
		if d.Target != nil {
			t.IP, t.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
		}
		if d.TargetHealth != nil {
			t.State, t.Reason = string(d.TargetHealth.State), string(d.TargetHealth.Reason)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// Register registers ip:port (elasticloadbalancing:RegisterTargets).
func (a *AWS) Register(ctx context.Context, arn, ip string, port int32) error {
	_, err := a.ELB.RegisterTargets(ctx, &elb.RegisterTargetsInput{
		TargetGroupArn: aws.String(arn),
		Targets:        []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(port)}},
	})
	return wrap("RegisterTargets", "elasticloadbalancing:RegisterTargets", arn, err)
}

// Deregister deregisters targets, each with its port: without one ELBv2
// takes the group's port and silently leaves a target on another port in.
func (a *AWS) Deregister(ctx context.Context, arn string, targets []Target) error {
	var ds []elbtypes.TargetDescription
	for _, t := range targets {
		ds = append(ds, elbtypes.TargetDescription{Id: aws.String(t.IP), Port: aws.Int32(t.Port)})
	}
	_, err := a.ELB.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: ds})
	return wrap("DeregisterTargets", "elasticloadbalancing:DeregisterTargets", arn, err)
}

// apiError is a failed AWS call, kept with what was called so the report can
// name the permission it needs.
type apiError struct {
	Op, Action, Resource string
	Err                  error
}

func (e *apiError) Error() string { return fmt.Sprintf("%s on %s: %v", e.Op, e.Resource, e.Err) }
func (e *apiError) Unwrap() error { return e.Err }

func wrap(op, action, resource string, err error) error {
	if err == nil {
		return nil
	}
	return &apiError{Op: op, Action: action, Resource: resource, Err: err}
}

// nextStepFor says what to do about a failed call.
func nextStepFor(err error) string {
	var ae *apiError
	var se smithy.APIError
	var re *retry.MaxAttemptsError
	switch {
	case errors.As(err, &se) && errors.As(err, &ae) && accessDenied(se.ErrorCode()):
		return fmt.Sprintf("grant the caller %s on %s (the broker-healer module's role has it for this deployment's target groups)", ae.Action, ae.Resource)
	case errors.As(err, &re), errors.As(err, &se) && isThrottle(se.ErrorCode()):
		return "AWS kept refusing within the retry bound (throttled or not yet consistent): the next run tries again; if it persists, look for another client calling the ELBv2 API in a loop"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time: check the network path to the AWS APIs; the next run tries again"
	}
	return "the next run tries again; if it persists, fix what the error says"
}

func accessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "ForbiddenException", "UnauthorizedException":
		return true
	}
	return false
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

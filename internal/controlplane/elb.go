package controlplane

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/kafka"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

const port = tfoutputs.KafkaIAMPort

const draining = string(elbtypes.TargetHealthStateEnumDraining)

// targetState is one registered target and its health.
type targetState struct {
	ID          string
	Port        int32
	State       string
	Reason      string
	Description string
}

func (t targetState) addr() string { return fmt.Sprintf("%s:%d", t.ID, t.Port) }

// brokerIPs returns broker id → current client IP, from kafka ListNodes.
func (r *run) brokerIPs(ctx context.Context) (map[int]string, error) {
	return r.nodes.get(func() (map[int]string, error) {
		out := map[int]string{}
		p := kafka.NewListNodesPaginator(r.c.Kafka, &kafka.ListNodesInput{ClusterArn: aws.String(r.d.ClusterARN)})
		for p.HasMorePages() {
			cctx, cancel := r.call(ctx)
			page, err := p.NextPage(cctx)
			cancel()
			if err != nil {
				r.o.Logger.Debug("ListNodes failed", "cluster", r.d.ClusterARN, "err", err)
				return nil, wrapAPI("ListNodes", "kafka:ListNodes", r.d.ClusterARN, err)
			}
			for _, n := range page.NodeInfoList {
				if n.BrokerNodeInfo == nil || n.BrokerNodeInfo.BrokerId == nil {
					continue
				}
				out[int(*n.BrokerNodeInfo.BrokerId)] = aws.ToString(n.BrokerNodeInfo.ClientVpcIpAddress)
			}
		}
		return out, nil
	})
}

// targets returns the registered targets of a target group and their health.
func (r *run) targets(ctx context.Context, tgARN string) ([]targetState, error) {
	return r.health[tgARN].get(func() ([]targetState, error) {
		cctx, cancel := r.call(ctx)
		defer cancel()
		out, err := r.c.ELB.DescribeTargetHealth(cctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
		if err != nil {
			return nil, wrapAPI("DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth", tgARN, err)
		}
		var ts []targetState
		for _, d := range out.TargetHealthDescriptions {
			t := targetState{}
			if d.Target != nil {
				t.ID, t.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
			}
			if d.TargetHealth != nil {
				t.State, t.Reason, t.Description = string(d.TargetHealth.State), string(d.TargetHealth.Reason), aws.ToString(d.TargetHealth.Description)
			}
			ts = append(ts, t)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].addr() < ts[j].addr() })
		return ts, nil
	})
}

func (r *run) registerCmd(tgARN string, ips ...string) string {
	return fmt.Sprintf("aws elbv2 register-targets --region %s --target-group-arn %s --targets %s", r.d.Region, tgARN, targetsArg(ips, port))
}

func targetsArg(ids []string, p int32) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("Id=%s,Port=%d", id, p))
	}
	return strings.Join(parts, " ")
}

// checkNLBTarget: NLB i's target group holds exactly broker i's current client IP on 9098.
func (r *run) checkNLBTarget(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	ips, err := r.brokerIPs(ctx)
	if err != nil {
		return failedCall(r.d.Region, err)
	}
	ts, err := r.targets(ctx, b.TargetGroupARN)
	if err != nil {
		return failedCall(r.d.Region, err)
	}
	want, ok := ips[b.ID]
	if !ok || want == "" {
		var ids []string
		for id := range ips {
			ids = append(ids, strconv.Itoa(id))
		}
		sort.Strings(ids)
		return fail(fmt.Sprintf("broker %d is not among the cluster's broker nodes (ListNodes returned brokers %s)", b.ID, strings.Join(ids, ", ")),
			"the cluster's brokers changed: run `terraform apply` so the module re-reads the broker nodes and rebuilds one NLB per broker")
	}
	var problems, leaving []string
	var stale []targetState
	registered, wantDraining := false, false
	for _, t := range ts {
		switch {
		case t.ID == want && t.Port == port && t.State == draining:
			wantDraining = true
			problems = append(problems, fmt.Sprintf("%s is being deregistered (draining)", t.addr()))
		case t.ID == want && t.Port == port:
			registered = true
		case t.State == draining:
			// A stale target on its way out (e.g. after the broker-healer
			// re-pointed the NLB): it gets no new connections.
			leaving = append(leaving, t.addr())
		case t.ID == want:
			stale = append(stale, t)
			problems = append(problems, fmt.Sprintf("target %s is on port %d, not %d", t.addr(), t.Port, port))
		default:
			stale = append(stale, t)
			problems = append(problems, fmt.Sprintf("target %s is stale: broker %d's client IP is now %s", t.addr(), b.ID, want))
		}
	}
	switch {
	case registered || wantDraining:
	case len(stale) == 0 && len(leaving) == 0:
		problems = append(problems, fmt.Sprintf("target group %s has no target; broker %d's client IP is %s", shortName(b.TargetGroupARN), b.ID, want))
	default:
		problems = append(problems, fmt.Sprintf("%s:%d is not registered", want, port))
	}
	if len(problems) == 0 {
		d := fmt.Sprintf("%s targets %s:%d, broker %d's client IP", shortName(b.NLBARN), want, port, b.ID)
		if len(leaving) > 0 {
			d += fmt.Sprintf("; %s draining (stale, gets no new connections)", strings.Join(leaving, ", "))
		}
		return pass(d)
	}
	if b.ClientIP != "" && b.ClientIP != want {
		problems = append(problems, fmt.Sprintf("Terraform outputs still say %s", b.ClientIP))
	}
	var steps []string
	if !registered {
		steps = append(steps, r.registerCmd(b.TargetGroupARN, want))
	}
	for _, t := range stale {
		steps = append(steps, fmt.Sprintf("aws elbv2 deregister-targets --region %s --target-group-arn %s --targets %s",
			r.d.Region, b.TargetGroupARN, targetsArg([]string{t.ID}, t.Port)))
	}
	return fail(strings.Join(problems, "; "),
		strings.Join(steps, " && ")+" (or `terraform apply`, which re-reads the broker nodes and re-registers the targets)")
}

// checkTargetHealth: every registered target is healthy.
func (r *run) checkTargetHealth(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	ts, err := r.targets(ctx, b.TargetGroupARN)
	if err != nil {
		return failedCall(r.d.Region, err)
	}
	if len(ts) == 0 {
		ip := b.ClientIP
		if ips, err := r.brokerIPs(ctx); err == nil && ips[b.ID] != "" {
			ip = ips[b.ID]
		}
		return fail(fmt.Sprintf("target group %s has no registered targets", shortName(b.TargetGroupARN)), r.registerCmd(b.TargetGroupARN, ip))
	}
	var bad, good, steps []string
	for _, t := range ts {
		if t.State == string(elbtypes.TargetHealthStateEnumHealthy) {
			good = append(good, t.addr()+" healthy")
			continue
		}
		if t.State == draining {
			if ips, err := r.brokerIPs(ctx); err == nil && (ips[b.ID] != t.ID || t.Port != port) {
				good = append(good, t.addr()+" draining (not broker's address: on its way out)")
				continue
			}
		}
		d := fmt.Sprintf("target %s is %s", t.addr(), t.State)
		if t.Reason != "" {
			d += " (" + t.Reason
			if t.Description != "" {
				d += ": " + t.Description
			}
			d += ")"
		}
		bad = append(bad, d)
		if s := r.healthStep(b, t); !contains(steps, s) {
			steps = append(steps, s)
		}
	}
	if len(bad) == 0 {
		return pass(strings.Join(good, ", "))
	}
	return fail(strings.Join(bad, "; "), strings.Join(steps, "; "))
}

// healthStep is what to do about one target that is not healthy, by its reason code.
func (r *run) healthStep(b tfoutputs.Broker, t targetState) string {
	switch elbtypes.TargetHealthReasonEnum(t.Reason) {
	case elbtypes.TargetHealthReasonEnumRegistrationInProgress, elbtypes.TargetHealthReasonEnumInitialHealthChecking:
		return "health checks are still starting: wait a minute or two and re-run"
	case elbtypes.TargetHealthReasonEnumNotRegistered:
		return r.registerCmd(b.TargetGroupARN, t.ID)
	case elbtypes.TargetHealthReasonEnumNotInUse:
		return fmt.Sprintf("the target's Availability Zone is not enabled on %s (cross-zone is off, so the NLB needs a subnet in %s): add it with `aws elbv2 set-subnets --region %s --load-balancer-arn %s --subnets <the NLB's subnets> %s`, or `terraform apply`",
			shortName(b.NLBARN), b.AvailabilityZone, r.d.Region, b.NLBARN, b.ClientSubnetID)
	case elbtypes.TargetHealthReasonEnumDeregistrationInProgress:
		return fmt.Sprintf("the target is being deregistered; if %s is still broker %d's client IP, register it again: %s", t.ID, b.ID, r.registerCmd(b.TargetGroupARN, t.ID))
	case elbtypes.TargetHealthReasonEnumIpUnusable:
		return fmt.Sprintf("%s cannot be a target (not in the VPC, or a load balancer's address): see the nlb-target finding and register broker %d's client IP", t.ID, b.ID)
	case elbtypes.TargetHealthReasonEnumInternalError:
		return "an AWS-side health check error: re-run; if it persists, open an AWS support case for the target group"
	}
	return fmt.Sprintf("the NLB cannot open tcp/%d to the broker: check that broker security group %s admits tcp/%d from NLB security group %s (see broker-sg) and that broker %d is running (`aws kafka list-nodes --region %s --cluster-arn %s`)",
		port, r.d.BrokerSecurityGroupID, port, r.d.NLBSecurityGroupID, b.ID, r.d.Region, r.d.ClusterARN)
}

// checkListener: the NLB listens on TCP/9098 and forwards to this broker's target group.
func (r *run) checkListener(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	var ls []elbtypes.Listener
	p := elb.NewDescribeListenersPaginator(r.c.ELB, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(b.NLBARN)})
	for p.HasMorePages() {
		cctx, cancel := r.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return failedCall(r.d.Region, wrapAPI("DescribeListeners", "elasticloadbalancing:DescribeListeners", b.NLBARN, err))
		}
		ls = append(ls, page.Listeners...)
	}
	var on9098 *elbtypes.Listener
	var others []string
	var onlyOther *elbtypes.Listener
	for i := range ls {
		l := &ls[i]
		if aws.ToInt32(l.Port) == port {
			on9098 = l
			continue
		}
		others = append(others, fmt.Sprintf("%s/%d → %s", l.Protocol, aws.ToInt32(l.Port), forwardsTo(l)))
		if forwardsTo(l) == shortName(b.TargetGroupARN) {
			onlyOther = l
		}
	}
	if on9098 == nil {
		d := fmt.Sprintf("%s has no listener on %d", shortName(b.NLBARN), port)
		if len(others) > 0 {
			d += " (listeners: " + strings.Join(others, ", ") + ")"
		}
		if onlyOther != nil {
			return fail(d, fmt.Sprintf("aws elbv2 modify-listener --region %s --listener-arn %s --port %d", r.d.Region, aws.ToString(onlyOther.ListenerArn), port))
		}
		return fail(d, fmt.Sprintf("aws elbv2 create-listener --region %s --load-balancer-arn %s --protocol TCP --port %d --default-actions Type=forward,TargetGroupArn=%s",
			r.d.Region, b.NLBARN, port, b.TargetGroupARN))
	}
	var problems, fixes []string
	if on9098.Protocol != elbtypes.ProtocolEnumTcp {
		problems = append(problems, fmt.Sprintf("listener %d is %s, not TCP (the brokers terminate TLS themselves)", port, on9098.Protocol))
		fixes = append(fixes, "--protocol TCP")
	}
	if !forwardsOnlyTo(on9098, b.TargetGroupARN) {
		problems = append(problems, fmt.Sprintf("listener %d forwards to %s, not broker %d's target group %s", port, forwardsTo(on9098), b.ID, shortName(b.TargetGroupARN)))
		fixes = append(fixes, "--default-actions Type=forward,TargetGroupArn="+b.TargetGroupARN)
	}
	if len(problems) > 0 {
		return fail(strings.Join(problems, "; "),
			fmt.Sprintf("aws elbv2 modify-listener --region %s --listener-arn %s %s", r.d.Region, aws.ToString(on9098.ListenerArn), strings.Join(fixes, " ")))
	}
	d := fmt.Sprintf("TCP/%d → %s", port, shortName(b.TargetGroupARN))
	if len(others) > 0 {
		d += "; also: " + strings.Join(others, ", ")
	}
	return pass(d)
}

// forwardsTo names the target groups a listener's default actions forward to.
func forwardsTo(l *elbtypes.Listener) string {
	var names []string
	for _, a := range l.DefaultActions {
		for _, arn := range forwardTargets(a) {
			names = append(names, shortName(arn))
		}
		if a.Type != elbtypes.ActionTypeEnumForward {
			names = append(names, string(a.Type))
		}
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, "+")
}

func forwardTargets(a elbtypes.Action) []string {
	if a.Type != elbtypes.ActionTypeEnumForward {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(aws.ToString(a.TargetGroupArn))
	if a.ForwardConfig != nil {
		for _, t := range a.ForwardConfig.TargetGroups {
			add(aws.ToString(t.TargetGroupArn))
		}
	}
	return out
}

// forwardsOnlyTo reports whether every default action forwards to tgARN alone.
func forwardsOnlyTo(l *elbtypes.Listener, tgARN string) bool {
	if len(l.DefaultActions) == 0 {
		return false
	}
	for _, a := range l.DefaultActions {
		ts := forwardTargets(a)
		if len(ts) != 1 || ts[0] != tgARN {
			return false
		}
	}
	return true
}

// checkCrossZone: load_balancing.cross_zone.enabled is what the module set:
// false (nlb_zones = "broker"), so NLB i only ever sends within broker i's
// zone, or true (nlb_zones = "all"), without which the NLB's nodes in the
// other zones would have no target.
func (r *run) checkCrossZone(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	cctx, cancel := r.call(ctx)
	defer cancel()
	out, err := r.c.ELB.DescribeLoadBalancerAttributes(cctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(b.NLBARN)})
	if err != nil {
		return failedCall(r.d.Region, wrapAPI("DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeLoadBalancerAttributes", b.NLBARN, err))
	}
	const key = "load_balancing.cross_zone.enabled"
	have := false // the attribute's default
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == key {
			have = strings.EqualFold(aws.ToString(a.Value), "true")
		}
	}
	if want := b.NLBCrossZone; have != want {
		return fail(fmt.Sprintf("%s has %s=%t", shortName(b.NLBARN), key, have),
			fmt.Sprintf("aws elbv2 modify-load-balancer-attributes --region %s --load-balancer-arn %s --attributes Key=%s,Value=%t", r.d.Region, b.NLBARN, key, want))
	}
	return pass(fmt.Sprintf("%s=%t", key, have))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

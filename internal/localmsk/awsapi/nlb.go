package awsapi

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// The ELBv2 side of the environment's control plane: each NLB stand-in as
// an NLB with a target group, so that re-pointing a broker's NLB through the
// AWS API (RegisterTargets, DeregisterTargets: the broker healer, `deploy
// heal`, an operator's aws elbv2 register-targets) re-points the stand-in,
// as it re-points a real NLB once the new target passes its health checks.

// NLB names one broker's NLB and target group, as the deployment under test
// named them (its Terraform outputs).
type NLB struct {
	BrokerID       int
	NLBARN         string
	TargetGroupARN string
}

// NLBs is the running follower ServeNLBs starts.
type NLBs struct {
	stop chan struct{}
	done sync.WaitGroup
	// up holds the set of client IPs brokers listen at now (map[string]bool),
	// refreshed by the follower, read by the fake's health checks without
	// calling into the environment under the fake's lock.
	up atomic.Pointer[map[string]bool]
}

// followEvery is how often the follower reads the target groups' health.
const followEvery = 5 * time.Millisecond

// ServeNLBs adds nlbs to srv: one NLB with a TCP/9098 listener per broker
// and its target group, tagged BrokerId (as the module tags it), holding the
// stand-in's current target, healthy. The groups' health checks (hc's
// timing) find a target healthy only at a broker's current client IP on
// 9098. A follower keeps each stand-in forwarding to a healthy target of its
// group, as the NLB does: a target registered by anyone becomes the
// stand-in's once healthy; a group with no healthy target leaves the
// stand-in as it is. Stop it before the environment closes.
func ServeNLBs(e *localmsk.Env, srv *awsfake.Server, nlbs []NLB, hc awsfake.HealthCheck) (*NLBs, error) {
	info := e.Info()
	f := &NLBs{stop: make(chan struct{})}
	f.refresh(info)
	hc.Listening = func(ip string, port int32) bool {
		return port == localmsk.Port && (*f.up.Load())[ip]
	}
	var problem error
	srv.Update(func(s *awsfake.State) {
		s.HealthCheck = &hc
		for _, n := range nlbs {
			if n.BrokerID < 1 || n.BrokerID > len(info.Brokers) {
				problem = fmt.Errorf("NLB of broker %d: the environment has brokers 1..%d", n.BrokerID, len(info.Brokers))
				return
			}
			ip, port, err := splitTarget(info.Brokers[n.BrokerID-1].NLBTarget)
			if err != nil {
				problem = fmt.Errorf("NLB stand-in %d: %w", n.BrokerID, err)
				return
			}
			s.LoadBalancers = append(s.LoadBalancers, awsfake.LoadBalancer{ARN: n.NLBARN, Listeners: []awsfake.Listener{{
				ARN: n.NLBARN + "/listener-9098", Port: localmsk.Port, Protocol: "TCP", TargetGroupARN: n.TargetGroupARN,
			}}})
			s.TargetGroups = append(s.TargetGroups, awsfake.TargetGroup{
				ARN:     n.TargetGroupARN,
				Tags:    map[string]string{"BrokerId": strconv.Itoa(n.BrokerID)},
				Targets: []awsfake.Target{{ID: ip, Port: port, State: "healthy", Registered: s.Now().Add(-time.Hour)}},
			})
		}
	})
	if problem != nil {
		return nil, problem
	}
	f.done.Add(1)
	go f.follow(e, srv, nlbs)
	return f, nil
}

// Stop ends the follower.
func (f *NLBs) Stop() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	f.done.Wait()
}

func (f *NLBs) refresh(info localmsk.Info) {
	up := map[string]bool{}
	for _, b := range info.Brokers {
		up[b.ClientIP] = true
	}
	f.up.Store(&up)
}

func (f *NLBs) follow(e *localmsk.Env, srv *awsfake.Server, nlbs []NLB) {
	defer f.done.Done()
	tick := time.NewTicker(followEvery)
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		info := e.Info()
		f.refresh(info)
		groups := map[string][]awsfake.Target{}
		for _, tg := range srv.Snapshot().TargetGroups {
			groups[tg.ARN] = tg.Targets
		}
		for _, n := range nlbs {
			current := info.Brokers[n.BrokerID-1].NLBTarget
			var healthy []string
			for _, t := range groups[n.TargetGroupARN] {
				if t.State == "healthy" {
					healthy = append(healthy, net.JoinHostPort(t.ID, strconv.Itoa(int(t.Port))))
				}
			}
			if len(healthy) == 0 || contains(healthy, current) {
				continue
			}
			// An error here is a target no stand-in can take (not an
			// IPv4 address): the fake refused to register it already.
			_ = e.SetNLBTarget(n.BrokerID, healthy[0])
		}
	}
}

func splitTarget(target string) (string, int32, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "", 0, fmt.Errorf("target %q: %w", target, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, fmt.Errorf("target %q: port: %w", target, err)
	}
	return host, int32(p), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

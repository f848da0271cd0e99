package heal

// One broker's heal: plan it from one read of its group, then register,
// wait until healthy, deregister, each write preceded by a fresh read.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// plan is what one broker needs, from one read of its group.
type plan struct {
	report BrokerReport
	// register: the broker's address is not registered (or is draining).
	register bool
	// wait: the address is registered but not (yet) healthy.
	wait  bool
	stale []Target
	skip  bool // not examined (refused)
}

func (p plan) changes() bool { return !p.skip && (p.register || p.wait || len(p.stale) > 0) }

// stale are the targets that are not the broker's address on 9098 and not
// already draining.
func stale(ts []Target, keep ...string) []Target {
	var out []Target
	for _, t := range ts {
		if t.State == "draining" {
			continue
		}
		if t.Port == Port && contains(keep, t.IP) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func find(ts []Target, ip string) (Target, bool) {
	for _, t := range ts {
		if t.IP == ip && t.Port == Port {
			return t, true
		}
	}
	return Target{}, false
}

func addrs(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Addr())
	}
	return out
}

func addr(ip string) string { return net.JoinHostPort(ip, strconv.Itoa(int(Port))) }

func (r *run) plan(ctx context.Context, p Path, n Node) plan {
	rep := BrokerReport{BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN}
	if n.ClientIP == "" {
		rep.Status = StatusWaiting
		rep.Detail = fmt.Sprintf("MSK reports no client address for broker %d yet (being replaced?): nothing to point its NLB at", p.BrokerID)
		rep.NextStep = "nothing: the next run looks again"
		return plan{report: rep}
	}
	rep.Address = addr(n.ClientIP)
	ts, err := r.targets(ctx, p.TargetGroupARN)
	if err != nil {
		rep.Status, rep.Detail = StatusFailed, err.Error()
		rep.NextStep = nextStepFor(err)
		return plan{report: rep}
	}
	pl := plan{stale: stale(ts, n.ClientIP)}
	cur, ok := find(ts, n.ClientIP)
	pl.register = !ok || cur.State == "draining"
	pl.wait = ok && !pl.register && cur.State != "healthy"
	rep.Deregister = addrs(pl.stale)
	switch {
	case !pl.changes():
		rep.Status = StatusInSync
		rep.Detail = fmt.Sprintf("%s targets %s, broker %d's client address (healthy)", shortName(p.TargetGroupARN), rep.Address, p.BrokerID)
	case pl.register:
		rep.Status, rep.Register = StatusWouldHeal, rep.Address
		rep.Detail = fmt.Sprintf("register %s (broker %d's client address)", rep.Address, p.BrokerID)
		if len(pl.stale) > 0 {
			rep.Detail += fmt.Sprintf(", wait until it is healthy, then deregister %s", strings.Join(rep.Deregister, ", "))
		}
	case pl.wait:
		rep.Status = StatusWouldHeal
		rep.Detail = fmt.Sprintf("%s is registered but %s: wait until it is healthy", rep.Address, describe(cur))
		if len(pl.stale) > 0 {
			rep.Detail += fmt.Sprintf(", then deregister %s", strings.Join(rep.Deregister, ", "))
		}
	default:
		rep.Status = StatusWouldHeal
		rep.Detail = fmt.Sprintf("%s is healthy: deregister %s", rep.Address, strings.Join(rep.Deregister, ", "))
	}
	pl.report = rep
	return pl
}

func describe(t Target) string {
	if t.Reason != "" {
		return t.State + " (" + t.Reason + ")"
	}
	return t.State
}

// apply carries out one broker's plan: register (re-reading first), wait
// until healthy, then deregister what is stale (re-reading the broker's
// address and the group first, so a concurrent run or a second move is
// never undone).
func (r *run) apply(ctx context.Context, p Path, pl plan) BrokerReport {
	rep := pl.report
	rep.Register, rep.Deregister = "", nil
	ip := strings.TrimSuffix(rep.Address, ":"+strconv.Itoa(int(Port)))
	log := r.o.Logger.With("broker", p.BrokerID, "target_group", shortName(p.TargetGroupARN))
	fail := func(err error) BrokerReport {
		rep.Status, rep.Detail, rep.NextStep = StatusFailed, err.Error(), nextStepFor(err)
		return rep
	}

	var registeredAt time.Time
	if pl.register {
		// Check before writing: another run may have registered it meanwhile.
		ts, err := r.targets(ctx, p.TargetGroupARN)
		if err != nil {
			return fail(err)
		}
		if cur, ok := find(ts, ip); !ok || cur.State == "draining" {
			cctx, cancel := r.call(ctx)
			err := r.g.Register(cctx, p.TargetGroupARN, ip, Port)
			cancel()
			if err != nil {
				return fail(err)
			}
			registeredAt = time.Now()
			rep.Register = rep.Address
			log.Info("registered the broker's address", "address", rep.Address)
		}
	}

	last, err := r.waitHealthy(ctx, p.TargetGroupARN, ip)
	if err != nil {
		return fail(err)
	}
	if last.State != "healthy" {
		ts, _ := r.targets(ctx, p.TargetGroupARN)
		rep.Kept = addrs(stale(ts, ip))
		rep.Status = StatusNotHealthy
		rep.Detail = fmt.Sprintf("%s did not become healthy within %s (last: %s)", rep.Address, r.o.HealthyTimeout, lastSeen(last))
		if len(rep.Kept) > 0 {
			rep.Detail += fmt.Sprintf("; kept %s registered next to it", strings.Join(rep.Kept, ", "))
		}
		rep.NextStep = fmt.Sprintf("check that broker %d is running and admits tcp/%d from the NLB security group (`verify --checks control-plane` names the failing check); the next run deregisters the old address once %s is healthy", p.BrokerID, Port, rep.Address)
		log.Warn("the broker's address did not become healthy", "address", rep.Address, "last", lastSeen(last))
		return rep
	}
	if !registeredAt.IsZero() {
		rep.TimeToHealthyMillis = max(1, time.Since(registeredAt).Milliseconds())
	}

	// Check before deregistering: the broker's address now, and the group now.
	nodes, err := r.nodes(ctx)
	if err != nil {
		return fail(err)
	}
	now := ""
	for _, n := range nodes {
		if n.BrokerID == p.BrokerID {
			now = n.ClientIP
		}
	}
	if now != ip {
		rep.Status = StatusFailed
		rep.Detail = fmt.Sprintf("broker %d moved again while this run healed it (%s → %s): nothing deregistered", p.BrokerID, rep.Address, addrOrNone(now))
		rep.NextStep = "nothing: the next run heals the new address"
		return rep
	}
	ts, err := r.targets(ctx, p.TargetGroupARN)
	if err != nil {
		return fail(err)
	}
	if old := stale(ts, ip); len(old) > 0 {
		cctx, cancel := r.call(ctx)
		err := r.g.Deregister(cctx, p.TargetGroupARN, old)
		cancel()
		if err != nil {
			return fail(err)
		}
		rep.Deregister = addrs(old)
		log.Info("deregistered the stale addresses", "addresses", rep.Deregister)
	}
	rep.Status = StatusHealed
	rep.Detail = fmt.Sprintf("%s targets %s, broker %d's client address (healthy)", shortName(p.TargetGroupARN), rep.Address, p.BrokerID)
	if rep.Register == "" && len(rep.Deregister) == 0 {
		rep.Detail += ": another run made the change"
	}
	return rep
}

func addrOrNone(ip string) string {
	if ip == "" {
		return "no address"
	}
	return addr(ip)
}

func lastSeen(t Target) string {
	if t.State == "" {
		return "not registered"
	}
	return describe(t)
}

// waitHealthy polls the group until ip:9098 is healthy or HealthyTimeout
// passes; it returns the last reading of the target (zero: not listed).
func (r *run) waitHealthy(ctx context.Context, arn, ip string) (Target, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.HealthyTimeout)
	defer cancel()
	tick := time.NewTicker(r.o.Poll)
	defer tick.Stop()
	var last Target
	for {
		ts, err := r.targets(ctx, arn)
		switch {
		case err == nil:
			last, _ = find(ts, ip)
			if last.State == "healthy" {
				return last, nil
			}
		case ctx.Err() != nil:
			// the wait's deadline cut the read short: report the last reading
		default:
			return last, err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return last, ctx.Err()
			}
			return last, nil
		case <-tick.C:
		}
	}
}

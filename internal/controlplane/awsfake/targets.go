package awsfake

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// The target side of an NLB target group, as ELBv2 behaves: RegisterTargets
// and DeregisterTargets succeed for targets already in (or already out of)
// the group and change nothing then; a registered target is initial until
// the health checks have passed (or failed) their threshold, healthy only if
// something listens at its address; a deregistered one drains for the
// deregistration delay and is gone after it. Writes may show in reads only
// after State.ReadLag (eventual consistency), and any operation can be made
// to fail a few times first (State.Flaky: throttling, not-yet-visible
// resources).

// HealthCheck is how the target groups' health checks behave.
type HealthCheck struct {
	// Healthy is how long a registered target that answers stays initial:
	// the healthy threshold × the interval (3 × 10 s on the module's
	// target groups).
	Healthy time.Duration
	// Unhealthy is how long one that does not answer stays initial before
	// it is unhealthy (unhealthy threshold × interval); zero: Healthy.
	Unhealthy time.Duration
	// DeregistrationDelay is how long a deregistered target drains before
	// it is gone (the group's deregistration_delay, 300 s by default).
	DeregistrationDelay time.Duration
	// Listening says whether something accepts TCP at ip:port, which is
	// all an NLB's TCP health check asks. nil: a broker node has that client
	// IP and the port is 9098 (in the MSK VPC only brokers listen there).
	Listening func(ip string, port int32) bool
}

// DefaultHealthCheck is the module's target groups on AWS: interval 10 s,
// healthy and unhealthy thresholds 3, deregistration delay 300 s.
var DefaultHealthCheck = HealthCheck{Healthy: 30 * time.Second, Unhealthy: 30 * time.Second, DeregistrationDelay: 300 * time.Second}

// Scaled is h with every duration divided by n: AWS's timing, n times faster.
func (h HealthCheck) Scaled(n int) HealthCheck {
	if n <= 0 {
		n = 1
	}
	h.Healthy /= time.Duration(n)
	h.Unhealthy /= time.Duration(n)
	h.DeregistrationDelay /= time.Duration(n)
	return h
}

// Target event kinds, in State.Events.
const (
	EventRegistered = "registered" // a target joined the group (or came back from draining)
	EventHealthy    = "healthy"
	EventUnhealthy  = "unhealthy"
	EventDraining   = "draining" // deregistration began
	EventRemoved    = "removed"  // draining ended
)

// TargetEvent is one change of a target's membership or health, as the fake
// applied it. A RegisterTargets or DeregisterTargets that changed nothing
// (the target was already in, or already out) records no event.
type TargetEvent struct {
	At             time.Time
	TargetGroupARN string
	ID             string
	Port           int32
	Kind           string
}

// targetWrite is a RegisterTargets or DeregisterTargets not yet visible to reads.
type targetWrite struct {
	at       time.Time
	tg, id   string
	port     int32
	register bool
}

// MarkLive puts every target in the state under the health-check model, as
// if registered at since: their states follow State.HealthCheck from now on
// (a fixture's targets otherwise keep the state they were given).
func (s *State) MarkLive(since time.Time) {
	for i := range s.TargetGroups {
		for j := range s.TargetGroups[i].Targets {
			if s.TargetGroups[i].Targets[j].Registered.IsZero() {
				s.TargetGroups[i].Targets[j].Registered = since
			}
		}
	}
}

// TargetEvents returns the target changes so far, in the order applied.
func (f *Server) TargetEvents() []TargetEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state.settle(f.state.Now())
	return append([]TargetEvent(nil), f.state.Events...)
}

// Now is the state's time: State.Clock, or the wall clock.
func (s *State) Now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

func (s *State) healthCheck() HealthCheck {
	h := DefaultHealthCheck
	if s.HealthCheck != nil {
		h = *s.HealthCheck
	}
	if h.Unhealthy == 0 {
		h.Unhealthy = h.Healthy
	}
	return h
}

func (s *State) listening(h HealthCheck, ip string, port int32) bool {
	if h.Listening != nil {
		return h.Listening(ip, port)
	}
	if port != tfoutputs.KafkaIAMPort {
		return false
	}
	for _, n := range s.Nodes {
		if n.ClientIP == ip {
			return true
		}
	}
	return false
}

// settleTargets applies the writes that have become visible, then moves
// every live target to the state its health checks give it at now.
func (s *State) settleTargets(now time.Time) {
	h := s.healthCheck()
	due := 0
	for _, w := range s.pending {
		if w.at.After(now) {
			break
		}
		s.applyWrite(h, w)
		due++
	}
	s.pending = s.pending[due:]
	for i := range s.TargetGroups {
		tg := &s.TargetGroups[i]
		kept := tg.Targets[:0]
		for _, t := range tg.Targets {
			if t.State == "draining" && !t.Deregistered.IsZero() && !now.Before(t.Deregistered.Add(h.DeregistrationDelay)) {
				s.event(t.Deregistered.Add(h.DeregistrationDelay), tg.ARN, t, EventRemoved)
				continue
			}
			if !t.Registered.IsZero() && t.State != "draining" {
				s.judge(h, now, tg.ARN, &t)
			}
			kept = append(kept, t)
		}
		tg.Targets = kept
	}
}

// judge sets a live target's health at now.
func (s *State) judge(h HealthCheck, now time.Time, tg string, t *Target) {
	age := now.Sub(t.Registered)
	state, reason, desc := "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
	switch up := s.listening(h, t.ID, t.Port); {
	case up && age >= h.Healthy:
		state, reason, desc = "healthy", "", ""
	case !up && age >= h.Unhealthy:
		state, reason, desc = "unhealthy", "Target.FailedHealthChecks", "Health checks failed"
	}
	if state != t.State {
		switch state {
		case "healthy":
			s.event(now, tg, *t, EventHealthy)
		case "unhealthy":
			s.event(now, tg, *t, EventUnhealthy)
		}
	}
	t.State, t.Reason, t.Description = state, reason, desc
}

func (s *State) applyWrite(h HealthCheck, w targetWrite) {
	for i := range s.TargetGroups {
		tg := &s.TargetGroups[i]
		if tg.ARN != w.tg {
			continue
		}
		j := -1
		for k, t := range tg.Targets {
			if t.ID == w.id && t.Port == w.port {
				j = k
			}
		}
		switch {
		case w.register && j < 0:
			t := Target{ID: w.id, Port: w.port, Registered: w.at}
			s.judge(h, w.at, tg.ARN, &t)
			tg.Targets = append(tg.Targets, t)
			s.event(w.at, tg.ARN, t, EventRegistered)
		case w.register && tg.Targets[j].State == "draining":
			t := &tg.Targets[j]
			t.Registered, t.Deregistered = w.at, time.Time{}
			s.judge(h, w.at, tg.ARN, t)
			s.event(w.at, tg.ARN, *t, EventRegistered)
		case !w.register && j >= 0 && tg.Targets[j].State != "draining":
			t := &tg.Targets[j]
			t.State, t.Reason, t.Description = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
			t.Deregistered = w.at
			s.event(w.at, tg.ARN, *t, EventDraining)
		}
		return
	}
}

func (s *State) event(at time.Time, tg string, t Target, kind string) {
	s.Events = append(s.Events, TargetEvent{At: at, TargetGroupARN: tg, ID: t.ID, Port: t.Port, Kind: kind})
}

// injected is the error State.Errors or State.Flaky makes op fail with, if any;
// a Flaky error is used up by the call that returns it.
func (h handler) injected(op string) (APIError, bool) {
	if e, ok := h.state.Errors[op]; ok {
		return e, true
	}
	var e APIError
	ok := false
	h.mutate(func(s *State) {
		if q := s.Flaky[op]; len(q) > 0 {
			e, ok = q[0], true
			s.Flaky[op] = q[1:]
		}
	})
	return e, ok
}

// Throttling is the error ELBv2 returns when the caller's request rate is too high.
func Throttling() APIError {
	return APIError{Status: 400, Code: "Throttling", Message: "Rate exceeded"}
}

// targetGroupNotFound is ELBv2's answer for an unknown (or not yet visible) target group.
func targetGroupNotFound(arn string) APIError {
	return APIError{Code: "TargetGroupNotFound", Message: fmt.Sprintf("Target groups '%s' not found", arn)}
}

// TargetGroupNotFound is what ELBv2 says about a group it does not know,
// also for a while after the group was created (eventual consistency).
func TargetGroupNotFound(arn string) APIError { return targetGroupNotFound(arn) }

// writeTargets serves RegisterTargets and DeregisterTargets:
// TargetGroupArn and Targets.member.N.{Id,Port,AvailabilityZone}.
func (h handler) writeTargets(w http.ResponseWriter, action string, form url.Values) {
	arn := form.Get("TargetGroupArn")
	tg, ok := h.targetGroup(arn)
	if !ok {
		writeQueryErrorID(w, elbNS, h.requestID, targetGroupNotFound(arn))
		return
	}
	type target struct {
		id   string
		port int32
	}
	var ts []target
	for i := 1; ; i++ {
		p := "Targets.member." + strconv.Itoa(i) + "."
		id := form.Get(p + "Id")
		if id == "" {
			break
		}
		port := tg.port()
		if s := form.Get(p + "Port"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 65535 {
				writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "ValidationError", Message: fmt.Sprintf("Port '%s' must be between 1 and 65535", s)})
				return
			}
			port = int32(n)
		}
		if ip := net.ParseIP(id); ip == nil || ip.To4() == nil {
			writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "InvalidTarget", Message: fmt.Sprintf("The IP address '%s' is not a valid IPv4 address", id)})
			return
		}
		ts = append(ts, target{id, port})
	}
	if len(ts) == 0 {
		writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "ValidationError", Message: "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null"})
		return
	}
	now := h.state.Now()
	h.mutate(func(s *State) {
		for _, t := range ts {
			s.pending = append(s.pending, targetWrite{at: now.Add(s.ReadLag), tg: arn, id: t.id, port: t.port, register: action == "RegisterTargets"})
		}
		s.settle(now)
	})
	writeQueryResult(w, elbNS, action, h.requestID, struct{}{})
}

// describeTags serves DescribeTags for target groups: ResourceArns.member.N (at most 20).
func (h handler) describeTags(w http.ResponseWriter, form url.Values) {
	var arns []string
	for i := 1; ; i++ {
		a := form.Get("ResourceArns.member." + strconv.Itoa(i))
		if a == "" {
			break
		}
		arns = append(arns, a)
	}
	if len(arns) == 0 || len(arns) > 20 {
		writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "ValidationError", Message: fmt.Sprintf("ResourceArns must list 1 to 20 ARNs, not %d", len(arns))})
		return
	}
	var res elbDescribeTagsResult
	for _, a := range arns {
		tg, ok := h.targetGroup(a)
		if !ok {
			writeQueryErrorID(w, elbNS, h.requestID, targetGroupNotFound(a))
			return
		}
		d := elbTagDescription{ResourceArn: a}
		for _, k := range sortedKeys(tg.Tags) {
			d.Tags = append(d.Tags, elbTag{Key: k, Value: tg.Tags[k]})
		}
		res.TagDescriptions = append(res.TagDescriptions, d)
	}
	writeQueryResult(w, elbNS, "DescribeTags", h.requestID, res)
}

func (tg TargetGroup) port() int32 {
	if tg.Port == 0 {
		return tfoutputs.KafkaIAMPort
	}
	return tg.Port
}

type elbDescribeTagsResult struct {
	TagDescriptions []elbTagDescription `xml:"TagDescriptions>member"`
}

type elbTagDescription struct {
	ResourceArn string   `xml:"ResourceArn"`
	Tags        []elbTag `xml:"Tags>member"`
}

type elbTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

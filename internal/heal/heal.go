// Package heal keeps every broker's NLB target equal to that broker's
// current client address. Each per-broker NLB forwards to one IP, read from
// MSK at apply time; MSK does not promise a broker keeps it (it replaces
// brokers on hardware failure and in some maintenance). The reconciler reads
// the brokers (kafka:ListNodes) and each broker's target group, keyed by
// broker id (the group's BrokerId tag), never by position, and when a
// broker's address changed it registers the new address first, waits
// (bounded) until the NLB finds it healthy, and only then deregisters the
// old one; a new address that never becomes healthy is kept next to the old
// one and reported.
//
// When the mapping from brokers to target groups is ambiguous — a broker
// with no group, a group whose broker is gone, two brokers claiming one
// group, a group whose BrokerId tag says otherwise, a broker whose hostname
// changed (its NCC rule would be wrong too) — it changes nothing and says
// why. Every write is idempotent on AWS and preceded by a fresh read of what
// it changes, so two runs at once change each target once.
//
// The reconciler is pure logic over two small interfaces ([Cluster],
// [TargetGroups]); [NewAWS] drives them with aws-sdk-go-v2. It has two front
// doors: the scheduled Lambda (cmd/heal-lambda, internal/heallambda) and
// `deploy heal`.
package heal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// Port is the port every broker target is registered on (SASL/IAM).
const Port int32 = tfoutputs.KafkaIAMPort

// BrokerIDTag is the target group tag that names its broker.
const BrokerIDTag = "BrokerId"

// Defaults for Options.
const (
	// DefaultHealthyTimeout bounds the wait for a new target to become
	// healthy: the NLB needs 3 × 10 s of passing checks, and registration
	// itself can take a minute or more.
	DefaultHealthyTimeout = 3 * time.Minute
	DefaultPoll           = 2 * time.Second
	DefaultCallTimeout    = 30 * time.Second
)

// Path is one broker path the deployment made: the broker, its target group
// and the hostname its NCC rule's domain_names carry.
type Path struct {
	BrokerID       int    `json:"broker_id"`
	TargetGroupARN string `json:"target_group_arn"`
	Hostname       string `json:"hostname"`
}

// Spec is what the deployment made: the cluster and one path per broker.
type Spec struct {
	ClusterARN string `json:"cluster_arn"`
	Paths      []Path `json:"paths"`
}

// SpecFromDeployment takes the cluster and the brokers' paths from the
// deployment's Terraform outputs.
func SpecFromDeployment(d tfoutputs.Deployment) Spec {
	s := Spec{ClusterARN: d.ClusterARN}
	for _, b := range d.Brokers {
		s.Paths = append(s.Paths, Path{BrokerID: b.ID, TargetGroupARN: b.TargetGroupARN, Hostname: b.Hostname})
	}
	return s
}

var (
	clusterARNRe     = regexp.MustCompile(`^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$`)
	targetGroupARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+$`)
)

// Validate reports what is wrong with the spec as input (not as AWS sees it).
func (s Spec) Validate() error {
	var errs []error
	if !clusterARNRe.MatchString(s.ClusterARN) {
		errs = append(errs, fmt.Errorf("cluster ARN %q is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)", s.ClusterARN))
	}
	if len(s.Paths) == 0 {
		errs = append(errs, errors.New("no broker paths: the deployment lists no brokers (is it applied?)"))
	}
	seen := map[int]bool{}
	for _, p := range s.Paths {
		if p.BrokerID <= 0 {
			errs = append(errs, fmt.Errorf("broker id %d: must be a positive number (MSK's broker ids start at 1)", p.BrokerID))
		}
		if seen[p.BrokerID] {
			errs = append(errs, fmt.Errorf("broker %d is listed twice: each broker has one path", p.BrokerID))
		}
		seen[p.BrokerID] = true
		if !targetGroupARNRe.MatchString(p.TargetGroupARN) {
			errs = append(errs, fmt.Errorf("broker %d: target group ARN %q is not an ELBv2 target group ARN", p.BrokerID, p.TargetGroupARN))
		}
		if p.Hostname == "" {
			errs = append(errs, fmt.Errorf("broker %d: no hostname (the name its NCC rule's domain_names carry)", p.BrokerID))
		}
	}
	return errors.Join(errs...)
}

// Node is one broker as MSK reports it.
type Node struct {
	BrokerID  int
	ClientIP  string
	Endpoints []string // hostnames
}

// Target is one registered target and its health, as DescribeTargetHealth reports it.
type Target struct {
	IP     string
	Port   int32
	State  string // initial | healthy | unhealthy | unused | draining | unavailable
	Reason string
}

// Addr is ip:port.
func (t Target) Addr() string { return net.JoinHostPort(t.IP, strconv.Itoa(int(t.Port))) }

// Cluster reads the brokers.
type Cluster interface {
	// Nodes lists every broker node of the cluster (kafka:ListNodes).
	Nodes(ctx context.Context, clusterARN string) ([]Node, error)
}

// TargetGroups reads and writes the brokers' target groups.
type TargetGroups interface {
	// BrokerTags returns each group's BrokerId tag ("" when it has none);
	// ErrTargetGroupNotFound (wrapped) when a group does not exist.
	BrokerTags(ctx context.Context, arns []string) (map[string]string, error)
	// Targets lists a group's registered targets with their health.
	Targets(ctx context.Context, arn string) ([]Target, error)
	// Register registers ip:port; a registered target stays as it is.
	Register(ctx context.Context, arn, ip string, port int32) error
	// Deregister deregisters targets; an absent one is no error.
	Deregister(ctx context.Context, arn string, targets []Target) error
}

// ErrTargetGroupNotFound marks a target group that does not exist.
var ErrTargetGroupNotFound = errors.New("target group not found")

// Options steer one run.
type Options struct {
	// Apply makes the changes; false only reports what would change.
	Apply bool
	// HealthyTimeout bounds the wait for a new target to become healthy;
	// zero: DefaultHealthyTimeout.
	HealthyTimeout time.Duration
	// Poll is how often the wait reads the target's health; zero:
	// DefaultPoll, or a twentieth of a shorter HealthyTimeout.
	Poll time.Duration
	// CallTimeout bounds each AWS call with its retries; zero: DefaultCallTimeout.
	CallTimeout time.Duration
	// Region names the region in the commands the report suggests.
	Region string
	// Logger receives progress at info level; nil discards it.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.HealthyTimeout <= 0 {
		o.HealthyTimeout = DefaultHealthyTimeout
	}
	if o.Poll <= 0 {
		// At most DefaultPoll apart, and some 20 readings within a short bound.
		o.Poll = max(min(DefaultPoll, o.HealthyTimeout/20), 10*time.Millisecond)
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Outcomes of a run, in the order they take precedence.
const (
	OutcomeRefused   = "refused"    // the mapping is ambiguous: nothing changed
	OutcomeFailed    = "failed"     // a read or write failed, or a new target never became healthy
	OutcomeHealed    = "healed"     // targets were changed and every path is healthy
	OutcomeWouldHeal = "would-heal" // a dry run found changes to make
	OutcomeInSync    = "in-sync"    // nothing to do
)

// Broker statuses.
const (
	StatusInSync     = "in-sync"     // the broker's address is the only target, and healthy
	StatusWouldHeal  = "would-heal"  // dry run (or refused run): Register/Deregister say what
	StatusHealed     = "healed"      // changed, and the broker's address is healthy
	StatusNotHealthy = "not-healthy" // the broker's address never became healthy: both kept
	StatusFailed     = "failed"      // an AWS call failed, or the broker moved again meanwhile
	StatusWaiting    = "waiting"     // MSK reports no client address for the broker yet
)

// Refusal reasons: the mapping of brokers to target groups is ambiguous.
const (
	RefuseNoTargetGroup   = "no-target-group"     // a broker of the cluster has no path in the deployment
	RefuseBrokerGone      = "broker-gone"         // a path's broker is not in the cluster
	RefuseClaimedTwice    = "group-claimed-twice" // two brokers' paths name one target group
	RefuseTagMismatch     = "tag-mismatch"        // the group's BrokerId tag names another broker
	RefuseTagMissing      = "tag-missing"         // the group has no BrokerId tag
	RefuseGroupMissing    = "target-group-missing"
	RefuseHostnameChanged = "hostname-changed" // the broker answers to another name than its NCC rule's
	RefuseDuplicateBroker = "duplicate-broker" // MSK lists a broker id twice
	RefuseSharedAddress   = "shared-address"   // two brokers report one client address
)

// Refusal is one reason the run changed nothing.
type Refusal struct {
	Reason         string `json:"reason"`
	BrokerID       int    `json:"broker_id,omitempty"`
	TargetGroupARN string `json:"target_group_arn,omitempty"`
	Detail         string `json:"detail"`
	NextStep       string `json:"next_step"`
}

// BrokerReport is one broker path's result.
type BrokerReport struct {
	BrokerID       int    `json:"broker_id"`
	TargetGroupARN string `json:"target_group_arn"`
	// Address is the broker's current client address (ip:9098).
	Address string `json:"address"`
	Status  string `json:"status"`
	// Register is the address registered (or, in a dry run, to register).
	Register string `json:"register,omitempty"`
	// Deregister are the stale addresses deregistered (or to deregister).
	Deregister []string `json:"deregister,omitempty"`
	// Kept are stale addresses left registered because the broker's
	// address did not become healthy.
	Kept   []string `json:"kept,omitempty"`
	Detail string   `json:"detail"`
	// NextStep says what to do when the status is not in-sync or healed.
	NextStep string `json:"next_step,omitempty"`
	// TimeToHealthyMillis is the time from this run's registration of the
	// address to its first healthy reading (0: not measured in this run).
	TimeToHealthyMillis int64 `json:"time_to_healthy_ms,omitempty"`
}

// SchemaVersion is the version of the JSON report.
const SchemaVersion = 1

// Report is one run's result.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	ClusterARN    string `json:"cluster_arn"`
	// Apply says the run was allowed to change targets (--yes, the Lambda).
	Apply    bool           `json:"apply"`
	Outcome  string         `json:"outcome"`
	Refusals []Refusal      `json:"refusals"`
	Brokers  []BrokerReport `json:"brokers"`
	// Error is a read that failed before any broker could be judged.
	Error  string `json:"error,omitempty"`
	Millis int64  `json:"ms"`
}

// Heals counts the brokers this run changed and left healthy.
func (r *Report) Heals() int { return r.count(StatusHealed) }

// Failures counts the brokers whose heal failed or stayed unhealthy.
func (r *Report) Failures() int { return r.count(StatusFailed) + r.count(StatusNotHealthy) }

func (r *Report) count(status string) int {
	n := 0
	for _, b := range r.Brokers {
		if b.Status == status {
			n++
		}
	}
	return n
}

// TimesToHealthy are the measured times to healthy, in milliseconds.
func (r *Report) TimesToHealthy() []int64 {
	var out []int64
	for _, b := range r.Brokers {
		if b.TimeToHealthyMillis > 0 {
			out = append(out, b.TimeToHealthyMillis)
		}
	}
	return out
}

type run struct {
	c    Cluster
	g    TargetGroups
	spec Spec
	o    Options
}

// Reconcile runs the reconciler once. The error is for input the run cannot
// start with (an invalid spec); everything AWS answers is in the report.
func Reconcile(ctx context.Context, c Cluster, g TargetGroups, spec Spec, o Options) (*Report, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	o.defaults()
	start := time.Now()
	r := &run{c: c, g: g, spec: spec, o: o}
	rep := r.reconcile(ctx)
	rep.Millis = time.Since(start).Milliseconds()
	return rep, nil
}

func (r *run) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.CallTimeout)
}

func (r *run) nodes(ctx context.Context) ([]Node, error) {
	cctx, cancel := r.call(ctx)
	defer cancel()
	return r.c.Nodes(cctx, r.spec.ClusterARN)
}

func (r *run) targets(ctx context.Context, arn string) ([]Target, error) {
	cctx, cancel := r.call(ctx)
	defer cancel()
	return r.g.Targets(cctx, arn)
}

func (r *run) reconcile(ctx context.Context) *Report {
	rep := &Report{SchemaVersion: SchemaVersion, ClusterARN: r.spec.ClusterARN, Apply: r.o.Apply, Refusals: []Refusal{}, Brokers: []BrokerReport{}}
	nodes, err := r.nodes(ctx)
	if err != nil {
		rep.Outcome, rep.Error = OutcomeFailed, err.Error()
		return rep
	}
	tags, missing, err := r.brokerTags(ctx)
	if err != nil {
		rep.Outcome, rep.Error = OutcomeFailed, err.Error()
		return rep
	}
	byID := map[int]Node{}
	rep.Refusals = append(rep.Refusals, r.refusals(nodes, byID, tags, missing)...)

	paths := append([]Path(nil), r.spec.Paths...)
	sort.Slice(paths, func(i, j int) bool { return paths[i].BrokerID < paths[j].BrokerID })
	// Plan every broker from a consistent read; apply only when nothing is ambiguous.
	plans := make([]plan, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		n, ok := byID[p.BrokerID]
		if !ok || missing[p.TargetGroupARN] {
			plans[i] = plan{report: BrokerReport{BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN, Status: StatusFailed,
				Detail: "not examined: see the refusals"}, skip: true}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans[i] = r.plan(ctx, p, n)
		}()
	}
	wg.Wait()

	apply := r.o.Apply && len(rep.Refusals) == 0
	for i := range plans {
		if apply && plans[i].changes() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				plans[i].report = r.apply(ctx, paths[i], plans[i])
			}()
		}
	}
	wg.Wait()
	for _, p := range plans {
		if len(rep.Refusals) > 0 && p.skip {
			continue // named in the refusals
		}
		rep.Brokers = append(rep.Brokers, p.report)
	}
	rep.Outcome = outcome(rep)
	return rep
}

func outcome(rep *Report) string {
	if len(rep.Refusals) > 0 {
		return OutcomeRefused
	}
	o := OutcomeInSync
	for _, b := range rep.Brokers {
		switch b.Status {
		case StatusFailed, StatusNotHealthy:
			return OutcomeFailed
		case StatusHealed:
			o = OutcomeHealed
		case StatusWouldHeal:
			if o == OutcomeInSync {
				o = OutcomeWouldHeal
			}
		}
	}
	return o
}

// brokerTags reads every path's BrokerId tag, 20 groups a call (DescribeTags'
// limit). A batch that names a group that does not exist fails whole, so its
// groups are then read one by one to find which.
func (r *run) brokerTags(ctx context.Context) (map[string]string, map[string]bool, error) {
	var arns []string
	seen := map[string]bool{}
	for _, p := range r.spec.Paths {
		if !seen[p.TargetGroupARN] {
			seen[p.TargetGroupARN] = true
			arns = append(arns, p.TargetGroupARN)
		}
	}
	tags, missing := map[string]string{}, map[string]bool{}
	read := func(batch []string) (map[string]string, error) {
		cctx, cancel := r.call(ctx)
		defer cancel()
		return r.g.BrokerTags(cctx, batch)
	}
	for i := 0; i < len(arns); i += 20 {
		batch := arns[i:min(i+20, len(arns))]
		got, err := read(batch)
		if errors.Is(err, ErrTargetGroupNotFound) {
			for _, a := range batch {
				one, err := read([]string{a})
				switch {
				case errors.Is(err, ErrTargetGroupNotFound):
					missing[a] = true
				case err != nil:
					return nil, nil, err
				default:
					tags[a] = one[a]
				}
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for k, v := range got {
			tags[k] = v
		}
	}
	return tags, missing, nil
}

// refusals checks that brokers and target groups map one to one, by id, and
// that every broker still answers to its path's hostname. It fills byID.
func (r *run) refusals(nodes []Node, byID map[int]Node, tags map[string]string, missing map[string]bool) []Refusal {
	var out []Refusal
	region := r.o.Region
	apply := "run `terraform apply` for this deployment: it reads the cluster's brokers and keeps one path per broker id"
	ips := map[string][]int{}
	for _, n := range nodes {
		if _, dup := byID[n.BrokerID]; dup {
			out = append(out, Refusal{Reason: RefuseDuplicateBroker, BrokerID: n.BrokerID,
				Detail:   fmt.Sprintf("kafka:ListNodes lists broker %d more than once", n.BrokerID),
				NextStep: "re-run in a minute (MSK may be mid-replacement); if it persists, open an AWS support case for the cluster"})
			continue
		}
		byID[n.BrokerID] = n
		if n.ClientIP != "" {
			ips[n.ClientIP] = append(ips[n.ClientIP], n.BrokerID)
		}
	}
	for ip, ids := range ips {
		if len(ids) > 1 {
			sort.Ints(ids)
			out = append(out, Refusal{Reason: RefuseSharedAddress, BrokerID: ids[0],
				Detail:   fmt.Sprintf("brokers %s all report client address %s", joinInts(ids), ip),
				NextStep: "re-run in a minute (MSK may be mid-replacement); no NLB is re-pointed while two brokers claim one address"})
		}
	}
	inSpec := map[int]bool{}
	claims := map[string][]int{}
	for _, p := range r.spec.Paths {
		inSpec[p.BrokerID] = true
		claims[p.TargetGroupARN] = append(claims[p.TargetGroupARN], p.BrokerID)
	}
	var ids []int
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		if !inSpec[id] {
			out = append(out, Refusal{Reason: RefuseNoTargetGroup, BrokerID: id,
				Detail:   fmt.Sprintf("broker %d of the cluster has no target group in this deployment", id),
				NextStep: apply + " (it adds broker " + strconv.Itoa(id) + "'s NLB, target group and endpoint service)"})
		}
	}
	for _, p := range r.spec.Paths {
		n, ok := byID[p.BrokerID]
		switch {
		case missing[p.TargetGroupARN]:
			out = append(out, Refusal{Reason: RefuseGroupMissing, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("broker %d's target group %s does not exist (TargetGroupNotFound)", p.BrokerID, shortName(p.TargetGroupARN)),
				NextStep: apply + "; check that the region (" + region + ") and account are the deployment's"})
			continue
		case !ok:
			out = append(out, Refusal{Reason: RefuseBrokerGone, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s is broker %d's, but the cluster has no broker %d (brokers: %s)", shortName(p.TargetGroupARN), p.BrokerID, p.BrokerID, joinInts(ids)),
				NextStep: apply + " (it removes broker " + strconv.Itoa(p.BrokerID) + "'s path)"})
			continue
		}
		if others := claims[p.TargetGroupARN]; len(others) > 1 && others[0] == p.BrokerID {
			out = append(out, Refusal{Reason: RefuseClaimedTwice, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("brokers %s all name target group %s", joinInts(others), shortName(p.TargetGroupARN)),
				NextStep: "each broker needs its own target group: " + apply})
		}
		switch tag := tags[p.TargetGroupARN]; {
		case tag == "":
			out = append(out, Refusal{Reason: RefuseTagMissing, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s has no %s tag, so nothing confirms it is broker %d's", shortName(p.TargetGroupARN), BrokerIDTag, p.BrokerID),
				NextStep: apply + " (the module tags every target group with its " + BrokerIDTag + ")"})
		case tag != strconv.Itoa(p.BrokerID):
			out = append(out, Refusal{Reason: RefuseTagMismatch, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s is tagged %s=%s but is broker %d's path", shortName(p.TargetGroupARN), BrokerIDTag, tag, p.BrokerID),
				NextStep: "find out who changed the tag or the path (the deployment's outputs are from another deployment?); " + apply})
		}
		if !answersTo(n, p.Hostname) {
			now := "no hostname"
			if len(n.Endpoints) > 0 {
				now = strings.Join(n.Endpoints, ", ")
			}
			out = append(out, Refusal{Reason: RefuseHostnameChanged, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("broker %d answers to %s, not %s: the NCC rule's domain_names for this path would be wrong too", p.BrokerID, now, p.Hostname),
				NextStep: apply + " (it updates the path and its private endpoint rule), then verify"})
		}
	}
	return out
}

func answersTo(n Node, hostname string) bool {
	for _, e := range n.Endpoints {
		if strings.EqualFold(strings.TrimSuffix(e, "."), strings.TrimSuffix(hostname, ".")) {
			return true
		}
	}
	return false
}

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

func shortName(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return arn
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

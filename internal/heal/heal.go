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

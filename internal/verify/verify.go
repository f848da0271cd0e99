// Package verify proves that an IAM principal can produce to and consume from
// an MSK cluster through each per-broker NLB, and when it cannot, names the hop
// that failed and what to do about it.
//
// For every broker path (advertised broker address → that broker's NLB or
// endpoint address) it runs, in order and each under its own timeout:
//
//	dns → tcp → tls → sasl → metadata → produce → group → consume
//
// the way a Kafka 3.x client does: AWS_MSK_IAM (or OAUTHBEARER), an
// idempotent producer (InitProducerId, acks=all) to the partition the
// path's broker leads, and a group consumer (FindCoordinator, then
// JoinGroup, SyncGroup, OffsetFetch and OffsetCommit on the coordinator
// through the coordinator's own path; Fetch from the leader),
//
// over one connection per path. Kafka is spoken with sarama; sarama's
// Net.Proxy dialer hands it the connection this package dialed to the path's
// endpoint, so every byte of a path travels through that path's NLB. An
// advertised broker with no endpoint mapping is refused, never dialed
// directly: that traffic would bypass the NLBs.
//
// Paths run in parallel and never wait for each other (a black-holed NLB
// costs its own path the stage timeout, nothing else); the whole run is
// bounded by Options.Timeout and closes every connection it opened before
// Run returns.
package verify

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// SchemaVersion is the version of the JSON report. It changes only when a
// field is removed or changes meaning; new fields may appear within a version.
const SchemaVersion = 1

// DefaultTopic is the verification topic used when Target.Topic is empty.
const DefaultTopic = "mskvpce-verify"

// Stage names, in the order they run on every path.
const (
	StageDNS      = "dns"
	StageTCP      = "tcp"
	StageTLS      = "tls"
	StageSASL     = "sasl"
	StageMetadata = "metadata"
	StageProduce  = "produce"
	StageGroup    = "group"
	StageConsume  = "consume"
)

// Stages lists the stage names in run order.
var Stages = []string{StageDNS, StageTCP, StageTLS, StageSASL, StageMetadata, StageProduce, StageGroup, StageConsume}

// Engine-level checks reported in Report.Checks next to the paths.
const (
	// CheckTopic is the verification topic: present (or created) with a
	// partition led by every broker.
	CheckTopic = "topic"
	// CheckRoute is an advertised broker with no endpoint mapping: refused.
	CheckRoute = "route"
	// CheckReach fails when no broker path is reachable at all (every tcp
	// stage timed out or had no route): this machine is outside the VPC of
	// the internal NLBs, which is not an NLB fault.
	CheckReach = "reachability"
	// CheckClock fails when this machine's clock is off by more than the 5
	// minutes SigV4 allows, measured without a sasl failure (a clock behind
	// the broker's, or an AWS endpoint's Date header).
	CheckClock = "clock"
)

// Path is one broker path: the address the cluster advertises for a broker,
// and the NLB (or endpoint) address that must carry its traffic.
type Path struct {
	BrokerID   int    `json:"broker_id"`
	Advertised string `json:"advertised"` // host:9098, as Kafka metadata returns it
	Endpoint   string `json:"endpoint"`   // NLB host:port
}

// Target is what to verify and with which identity.
type Target struct {
	Region string
	// Bootstrap holds the addresses (host:port) clients bootstrap from; each
	// must reach a path (a path's advertised address, or an alias on its
	// port), or it is refused (CheckRoute).
	Bootstrap []string
	Paths     []Path
	// Aliases are hostnames that are no broker's own but that the
	// consumer's DNS resolves to a broker's endpoint, each to the id of that
	// broker: what an NCC rule's domain_names (or the verify canary's
	// private zone) gives a broker beyond its hostname, such as an Express
	// cluster's boot-... bootstrap hosts. A bootstrap address on an alias
	// reaches that broker's path.
	Aliases map[string]int
	// RootCAs verifies broker certificates; nil means the system pool (which
	// holds the Amazon Trust Services roots MSK certificates chain to).
	RootCAs *x509.CertPool
	// Topic is the verification topic; empty means DefaultTopic.
	Topic string
	// Credentials sign the SASL/IAM (OAUTHBEARER) token.
	Credentials aws.CredentialsProvider
	// ClusterARN is optional; when set, permission diagnoses name the exact
	// resource ARN to add to the policy.
	ClusterARN string
	// VPCID is optional: the VPC of the NLBs, named when no path is
	// reachable from this machine.
	VPCID string
}

// Options bound and label a run.
type Options struct {
	// Timeout bounds the whole run (default DefaultTimeout).
	Timeout time.Duration
	// StageTimeout bounds each stage of each path (default DefaultStageTimeout;
	// clamped to Timeout).
	StageTimeout time.Duration
	// RunID tags every record this run writes; empty means a random one.
	RunID string
	// Mechanisms are the SASL mechanisms each path is verified with, each
	// over its own connection (default DefaultMechanisms).
	Mechanisms []string
	// Logger receives progress at debug level; nil discards.
	Logger *slog.Logger
	// Remote: the run executes in the consumer-side canary (the Lambda),
	// so "nothing reachable" points at its interface endpoints, not at
	// running remotely.
	Remote bool
}

// CheckResult is a control-plane or engine-level check result.
type CheckResult = finding.Finding

// PathReport is the outcome of one broker path.
type PathReport struct {
	BrokerID   int    `json:"broker_id"`
	Advertised string `json:"advertised"`
	Endpoint   string `json:"endpoint"`
	// Mechanism is the SASL mechanism this path authenticated with.
	Mechanism string `json:"mechanism"`
	Passed    bool   `json:"passed"`
	// LandsOn is the broker this path actually reaches, when it is not
	// BrokerID (an NLB forwarding to the wrong broker); 0 when unknown or right.
	LandsOn int `json:"lands_on,omitempty"`
	// Partition is the verification-topic partition this broker leads, -1 if none.
	Partition int32 `json:"partition"`
	// Offset is where this path's record was written, -1 if it was not.
	Offset int64 `json:"offset"`
	// Stages holds one finding per stage, in run order (Check = stage name).
	Stages []finding.Finding `json:"stages"`
	Millis int64             `json:"ms"`
}

// Stage returns the finding of the named stage.
func (p *PathReport) Stage(name string) finding.Finding {
	for _, s := range p.Stages {
		if s.Check == name {
			return s
		}
	}
	return finding.Finding{Check: name, Skipped: true}
}

// Failed returns the first failed (not skipped) stage, if any.
func (p *PathReport) Failed() (finding.Finding, bool) {
	for _, s := range p.Stages {
		if !s.OK && !s.Skipped {
			return s, true
		}
	}
	return finding.Finding{}, false
}

// Report is the verdict of one run.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	RunID         string       `json:"run_id"`
	Passed        bool         `json:"passed"`
	Region        string       `json:"region,omitempty"`
	Topic         string       `json:"topic"`
	StartedAt     time.Time    `json:"started_at"`
	Millis        int64        `json:"ms"`
	Paths         []PathReport `json:"paths"`
	// Checks carries engine-level results (topic, refused routes) and
	// control-plane results appended by callers (AddChecks).
	Checks []finding.Finding `json:"checks"`
	// NoDataPath marks a report of control-plane checks only: no broker
	// path was exercised, on purpose, so empty Paths do not fail it (see
	// NewChecksReport).
	NoDataPath bool `json:"no_data_path,omitempty"`
	// Notes say what was left out of the run and why (e.g. no AWS control
	// plane for the local environment).
	Notes []string `json:"notes,omitempty"`
}

// NewChecksReport starts a report that exercises no broker path, for
// control-plane checks alone: add them with AddChecks. It passes when it
// holds at least one check and every check passed.
func NewChecksReport(runID, region string) *Report {
	if runID == "" {
		runID = NewRunID()
	}
	return &Report{SchemaVersion: SchemaVersion, RunID: runID, Region: region, StartedAt: time.Now().UTC(), NoDataPath: true}
}

// IsEngineCheck reports whether a check id is one the engine itself adds
// (the verification topic, refused routes) rather than a caller's
// control-plane check.
func IsEngineCheck(id string) bool {
	return id == CheckTopic || id == CheckRoute || id == CheckReach || id == CheckClock
}

// AddChecks appends results (e.g. control-plane checks) and updates Passed.
func (r *Report) AddChecks(fs ...finding.Finding) {
	r.Checks = append(r.Checks, fs...)
	r.Passed = r.evaluate()
}

func (r *Report) evaluate() bool {
	if len(r.Paths) == 0 && (!r.NoDataPath || len(r.Checks) == 0) {
		return false
	}
	for _, p := range r.Paths {
		if !p.Passed {
			return false
		}
	}
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			return false
		}
	}
	return true
}

// ExitCode is 0 when every path and check passed, 1 otherwise.
func (r *Report) ExitCode() int {
	if r.evaluate() {
		return 0
	}
	return 1
}

// Run verifies every path of t and returns the report. It never returns
// before every connection it opened is closed, and never runs longer than
// o.Timeout (plus the time to close).
func Run(ctx context.Context, t Target, o Options) *Report {
	start := time.Now()
	o = o.withDefaults()
	if t.Topic == "" {
		t.Topic = DefaultTopic
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	rep := &Report{
		SchemaVersion: SchemaVersion,
		RunID:         o.RunID,
		Region:        t.Region,
		Topic:         t.Topic,
		StartedAt:     start.UTC(),
	}
	paths := append([]Path(nil), t.Paths...)
	sort.Slice(paths, func(i, j int) bool { return paths[i].BrokerID < paths[j].BrokerID })
	var runs []*pathRun
	for _, p := range paths {
		for _, m := range o.Mechanisms {
			runs = append(runs, newPathRun(&t, o, p, m))
		}
	}
	defer func() {
		for _, pr := range runs {
			pr.close()
		}
	}()

	// Every path runs on its own and never waits for another: the first
	// one to read metadata sets the verification topic up (the others that
	// get there wait only for that), then each produces and consumes.
	var once sync.Once
	topic := noTopic(&t)
	parallel(runs, func(pr *pathRun) {
		pr.connect(ctx)
		if pr.failed || pr.meta == nil {
			pr.exchange(ctx, noTopic(&t)) // skips: an earlier stage failed
			return
		}
		once.Do(func() { topic = setupTopic(ctx, &t, o, pr, runs) })
		pr.exchange(ctx, topic)
	})
	offlineBrokers(runs, &t)
	rep.Checks = append(rep.Checks, refusedRoutes(runs)...)
	rep.Checks = append(rep.Checks, topic.finding)
	if f, ok := unreachableCheck(runs, t.VPCID, o.Remote); ok {
		rep.Checks = append(rep.Checks, f)
	}
	if f, ok := behindCheck(ctx, runs, o); ok {
		rep.Checks = append(rep.Checks, f)
	}

	for _, pr := range runs {
		rep.Paths = append(rep.Paths, pr.report())
	}
	rep.Millis = time.Since(start).Milliseconds()
	rep.Passed = rep.evaluate()
	o.Logger.Debug("verify: done", "run_id", rep.RunID, "passed", rep.Passed, "ms", rep.Millis)
	return rep
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StageTimeout <= 0 {
		o.StageTimeout = DefaultStageTimeout
	}
	if o.StageTimeout > o.Timeout {
		o.StageTimeout = o.Timeout
	}
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	if len(o.Mechanisms) == 0 {
		o.Mechanisms = DefaultMechanisms
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// NewRunID returns a random run id (12 hex characters).
func NewRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func parallel(runs []*pathRun, fn func(*pathRun)) {
	var wg sync.WaitGroup
	for _, pr := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(pr)
		}()
	}
	wg.Wait()
}

// unreachableCheck: when every path's tcp stage timed out or had no route,
// the cause is where verify runs, not three NLB faults: the NLBs are
// internal. One path unreachable among reachable ones stays that NLB's
// fault. The paths' own tcp findings then point here instead of at their NLB.
func unreachableCheck(runs []*pathRun, vpcID string, remote bool) (finding.Finding, bool) {
	if len(runs) == 0 {
		return finding.Finding{}, false
	}
	for _, pr := range runs {
		if !pr.unreachable {
			return finding.Finding{}, false
		}
	}
	vpc, inside := "the NLBs are internal to the deployment's VPC", "from inside that VPC"
	if vpcID != "" {
		vpc, inside = "the NLBs are internal to VPC "+vpcID, "from inside VPC "+vpcID
	}
	for _, pr := range runs {
		for i := range pr.stages {
			if f := &pr.stages[i]; f.Check == StageTCP && !f.OK {
				f.Detail += " (no broker path is reachable: see the reachability check)"
				f.NextStep = ""
			}
		}
	}
	brokers := map[int]bool{}
	for _, pr := range runs {
		brokers[pr.path.BrokerID] = true
	}
	if remote {
		return finding.Finding{
			Check:    CheckReach,
			Target:   fmt.Sprintf("all %d broker paths", len(brokers)),
			Detail:   "no broker path is reachable from the verify canary: every TCP connection through its interface endpoints timed out or had no route",
			NextStep: "check that each interface endpoint of the canary is available and its connection accepted on its endpoint service (the endpoint-connections check), and that the endpoints' security group admits tcp/9098 from the canary's Lambda",
		}, true
	}
	return finding.Finding{
		Check:    CheckReach,
		Target:   fmt.Sprintf("all %d broker paths", len(brokers)),
		Detail:   fmt.Sprintf("no broker path is reachable from this machine: %s; run `deploy verify --remote`, or run verify %s (every TCP connection to the NLBs timed out or had no route)", vpc, inside),
		NextStep: fmt.Sprintf("run `go run ./cmd/deploy verify --remote` (the consumer-side canary, terraform/modules/verify-canary), or run verify %s or from a network routed to it (VPN, peering, Transit Gateway) with its CIDR in the module's operator_cidrs", inside),
	}, true
}

// refusedRoutes reports every broker the cluster advertises, and every
// bootstrap address, that has no endpoint mapping. Such a broker is never
// dialed.
func refusedRoutes(runs []*pathRun) []finding.Finding {
	mapped := map[string]bool{}
	for _, pr := range runs {
		mapped[strings.ToLower(pr.path.Advertised)] = true
	}
	var out []finding.Finding
	for _, pr := range runs {
		// A bootstrap host that is no broker's (an Express boot-... name)
		// is mapped when the consumer's DNS sends it to a path's endpoint,
		// on that path's port.
		routed := maps.Clone(mapped)
		for _, p := range pr.t.Paths {
			_, port, _ := net.SplitHostPort(p.Advertised)
			for host, id := range pr.t.Aliases {
				if id == p.BrokerID {
					routed[strings.ToLower(net.JoinHostPort(host, port))] = true
				}
			}
		}
		for _, b := range pr.t.Bootstrap {
			if !routed[strings.ToLower(b)] {
				out = append(out, finding.Finding{
					Check:    CheckRoute,
					Target:   "bootstrap " + b,
					Detail:   fmt.Sprintf("refused: bootstrap broker %s has no endpoint mapping; clients bootstrapping from it would bypass the NLBs", b),
					NextStep: "bootstrap only from hosts that reach an NLB (a mapped broker's hostname, or a name such as an Express boot-... host that the consumer's DNS sends to a mapped broker's endpoint): rebuild the map from the current `terraform output -json`",
				})
			}
		}
		break
	}
	var meta *metadataView
	for _, pr := range runs {
		if pr.meta != nil {
			meta = pr.meta
			break
		}
	}
	if meta == nil {
		return out
	}
	for _, b := range meta.brokers {
		if mapped[strings.ToLower(b.addr)] {
			continue
		}
		out = append(out, finding.Finding{
			Check:    CheckRoute,
			Target:   fmt.Sprintf("broker %d", b.id),
			Detail:   fmt.Sprintf("refused: the cluster advertises broker %d as %s but it has no endpoint mapping; clients would reach it bypassing the NLBs", b.id, b.addr),
			NextStep: fmt.Sprintf("give broker %d its own NLB and endpoint service (re-run terraform apply so the module picks up every broker node) and pass its mapping (--endpoint %s=<nlb>:9098)", b.id, b.addr),
		})
	}
	return out
}

// Package controlplane checks, through the AWS APIs, the drift that breaks
// the multiple-NLB data path before any Kafka client notices: a broker
// replaced with a new IP while its NLB still targets the old one, an
// unhealthy target, a listener or cross-zone setting changed by hand, an
// endpoint service that is not Available, a principal removed from it, an
// endpoint connection left pending, a Databricks rule whose domain_names
// miss a broker hostname or sit on another broker's service, a broker or NLB security group opened
// wider than intended, and a Databricks trust policy still carrying the
// placeholder external ID.
//
// Every check reports [finding.Finding]s, the same type the data-path stages
// report, with the exact command that fixes what it found. Checks run in
// parallel, each AWS call under its own timeout; an API error fails only the
// checks that needed that call (with a permission hint), the others still
// report.
package controlplane

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kafka"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// Clients are the AWS API clients the checks call.
type Clients struct {
	Kafka *kafka.Client
	ELB   *elasticloadbalancingv2.Client
	EC2   *ec2.Client
	IAM   *iam.Client
}

// NewClients builds every client from one config (region, credentials, and
// BaseEndpoint when pointing at a fake or a local endpoint).
func NewClients(cfg aws.Config) Clients {
	return Clients{
		Kafka: kafka.NewFromConfig(cfg),
		ELB:   elasticloadbalancingv2.NewFromConfig(cfg),
		EC2:   ec2.NewFromConfig(cfg),
		IAM:   iam.NewFromConfig(cfg),
	}
}

// Check ids, stable: they appear in reports, JSON and --checks.
const (
	CheckNLBTarget           = "nlb-target"
	CheckTargetHealth        = "target-health"
	CheckListener            = "listener"
	CheckCrossZone           = "cross-zone"
	CheckEndpointService     = "endpoint-service"
	CheckAllowedPrincipals   = "allowed-principals"
	CheckEndpointConnections = "endpoint-connections"
	CheckRuleDomains         = "rule-domains"
	CheckBrokerSG            = "broker-sg"
	CheckNLBSG               = "nlb-sg"
	CheckTrustPolicy         = "trust-policy"
)

// AllChecks lists every check id in report order.
var AllChecks = []string{
	CheckNLBTarget, CheckTargetHealth, CheckListener, CheckCrossZone,
	CheckEndpointService, CheckAllowedPrincipals, CheckEndpointConnections,
	CheckRuleDomains, CheckBrokerSG, CheckNLBSG, CheckTrustPolicy,
}

// DatabricksUCMasterRoleARN is the Databricks Unity Catalog master role that
// assumes a service credential's role (AWS commercial regions).
const DatabricksUCMasterRoleARN = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"

// Defaults for Options.
const (
	DefaultCallTimeout = 10 * time.Second
	DefaultTimeout     = 60 * time.Second
)

// Options choose the checks and what "as configured" means.
type Options struct {
	// Checks are the check ids to run; empty runs AllChecks.
	Checks []string
	// AllowedPrincipals every endpoint service must allow, exactly. nil
	// means the deployment's allowed_principals output; a non-nil empty
	// slice means none.
	AllowedPrincipals []string
	// OperatorCIDRs may reach the NLBs on tcp/9098 directly (the module's
	// operator_cidrs): any other ingress to the NLB security group is
	// reported as wider than intended. nil means unknown: then only rules
	// open to the whole internet (0.0.0.0/0, ::/0) or beyond tcp/9098 are
	// reported. The broker security group must admit the NLB security
	// group alone, whatever this says.
	OperatorCIDRs []string
	// PlaceholderExternalID is the external ID that means "no Databricks
	// credential yet"; default tfoutputs.PlaceholderExternalID ("0000").
	PlaceholderExternalID string
	// UCMasterRoleARN is the Databricks principal the trust policy must
	// allow; default DatabricksUCMasterRoleARN.
	UCMasterRoleARN string
	// CallTimeout bounds each AWS call; default DefaultCallTimeout.
	CallTimeout time.Duration
	// Timeout bounds the whole run; default DefaultTimeout.
	Timeout time.Duration
	// Logger receives debug lines about AWS calls; nil discards them.
	Logger *slog.Logger
}

// ParseChecks turns a --checks value ("all", or comma-separated ids) into
// check ids, rejecting unknown ones with the list of valid ids.
func ParseChecks(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return append([]string(nil), AllChecks...), nil
	}
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !known(c) {
			return nil, fmt.Errorf("unknown control-plane check %q: valid checks are %s (or all)", c, strings.Join(AllChecks, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

func known(c string) bool {
	for _, k := range AllChecks {
		if k == c {
			return true
		}
	}
	return false
}

// Checker runs checks against d with the clients of cfg, each call bounded
// by callTimeout (at most DefaultCallTimeout) and all of them by timeout: the
// verify.ControlPlaneFunc that verify.Request's RunControlPlane takes
// (package verify does not import this one; see there).
func Checker(ctx context.Context, cfg aws.Config, d tfoutputs.Deployment, checks []string, callTimeout, timeout time.Duration, logger *slog.Logger) []finding.Finding {
	return Run(ctx, NewClients(cfg), d, Options{
		Checks:      checks,
		CallTimeout: min(callTimeout, DefaultCallTimeout),
		Timeout:     timeout,
		Logger:      logger,
	})
}

// Run runs the selected checks against the deployment d and returns their
// findings in AllChecks order (per-broker checks in broker order). It never
// returns early: an API error or timeout becomes a failed finding of the
// checks that needed that call.
func Run(ctx context.Context, c Clients, d tfoutputs.Deployment, o Options) []finding.Finding {
	o = o.withDefaults(d)
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	r := newRun(c, d, o)
	selected := o.Checks
	if len(selected) == 0 {
		selected = AllChecks
	}
	var unknown []finding.Finding
	seen := map[string]bool{}
	type job struct {
		order int
		fn    func(context.Context) []finding.Finding
	}
	var jobs []job
	all := r.checks()
	for _, name := range selected {
		if seen[name] {
			continue
		}
		seen[name] = true
		fn, ok := all[name]
		if !ok {
			unknown = append(unknown, finding.Finding{Check: name, Target: "options", Detail: fmt.Sprintf("unknown control-plane check %q", name),
				NextStep: "use one of: " + strings.Join(AllChecks, ", ")})
			continue
		}
		jobs = append(jobs, job{order: indexOf(name), fn: fn})
	}
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].order < jobs[j].order })

	results := make([][]finding.Finding, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = j.fn(ctx)
		}()
	}
	wg.Wait()
	var out []finding.Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	return append(out, unknown...)
}

func indexOf(name string) int {
	for i, k := range AllChecks {
		if k == name {
			return i
		}
	}
	return len(AllChecks)
}

func (o Options) withDefaults(d tfoutputs.Deployment) Options {
	if o.AllowedPrincipals == nil {
		o.AllowedPrincipals = d.AllowedPrincipals
	}
	if o.PlaceholderExternalID == "" {
		o.PlaceholderExternalID = tfoutputs.PlaceholderExternalID
	}
	if o.UCMasterRoleARN == "" {
		o.UCMasterRoleARN = DatabricksUCMasterRoleARN
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// run holds one Run's inputs and the AWS answers that several checks share,
// each fetched at most once.
type run struct {
	c Clients
	d tfoutputs.Deployment
	o Options

	nodes  lazy[map[int]string]
	health map[string]*lazy[[]targetState] // by target group ARN
}

func newRun(c Clients, d tfoutputs.Deployment, o Options) *run {
	r := &run{c: c, d: d, o: o, health: map[string]*lazy[[]targetState]{}}
	for _, b := range d.Brokers {
		r.health[b.TargetGroupARN] = &lazy[[]targetState]{}
	}
	return r
}

func (r *run) checks() map[string]func(context.Context) []finding.Finding {
	return map[string]func(context.Context) []finding.Finding{
		CheckNLBTarget:           r.perBroker(CheckNLBTarget, r.checkNLBTarget),
		CheckTargetHealth:        r.perBroker(CheckTargetHealth, r.checkTargetHealth),
		CheckListener:            r.perBroker(CheckListener, r.checkListener),
		CheckCrossZone:           r.perBroker(CheckCrossZone, r.checkCrossZone),
		CheckEndpointService:     r.perBroker(CheckEndpointService, r.checkEndpointService),
		CheckAllowedPrincipals:   r.perBroker(CheckAllowedPrincipals, r.checkAllowedPrincipals),
		CheckEndpointConnections: r.perBroker(CheckEndpointConnections, r.checkEndpointConnections),
		CheckRuleDomains:         r.fromOutputs(RuleDomains),
		CheckBrokerSG:            r.timed(CheckBrokerSG, r.checkBrokerSG),
		CheckNLBSG:               r.timed(CheckNLBSG, r.checkNLBSG),
		CheckTrustPolicy:         r.timed(CheckTrustPolicy, r.checkTrustPolicy),
	}
}

// perBroker runs fn for every broker in parallel and returns the findings in broker order.
func (r *run) perBroker(check string, fn func(context.Context, tfoutputs.Broker) finding.Finding) func(context.Context) []finding.Finding {
	return func(ctx context.Context) []finding.Finding {
		out := make([]finding.Finding, len(r.d.Brokers))
		var wg sync.WaitGroup
		for i, b := range r.d.Brokers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				f := fn(ctx, b)
				f.Check, f.Target, f.Millis = check, brokerTarget(b), time.Since(start).Milliseconds()
				out[i] = f
			}()
		}
		wg.Wait()
		return out
	}
}

// timed runs a check with one finding and stamps its id and duration.
func (r *run) timed(check string, fn func(context.Context) finding.Finding) func(context.Context) []finding.Finding {
	return func(ctx context.Context) []finding.Finding {
		start := time.Now()
		f := fn(ctx)
		f.Check, f.Millis = check, time.Since(start).Milliseconds()
		return []finding.Finding{f}
	}
}

// fromOutputs runs a check that reads the deployment's outputs alone (no
// AWS call) and stamps its duration.
func (r *run) fromOutputs(fn func(tfoutputs.Deployment) []finding.Finding) func(context.Context) []finding.Finding {
	return func(context.Context) []finding.Finding {
		start := time.Now()
		out := fn(r.d)
		for i := range out {
			out[i].Millis = time.Since(start).Milliseconds()
		}
		return out
	}
}

func brokerTarget(b tfoutputs.Broker) string { return fmt.Sprintf("broker %d", b.ID) }

// call bounds one AWS call by the per-call timeout.
func (r *run) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.CallTimeout)
}

// lazy computes a value once, for all the checks that need it.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(f func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = f() })
	return l.v, l.err
}

func pass(detail string) finding.Finding { return finding.Finding{OK: true, Detail: detail} }

func fail(detail, next string) finding.Finding {
	return finding.Finding{Detail: detail, NextStep: next}
}

// shortName is the last path element of an ARN (a load balancer's or target group's name/id pair).
func shortName(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return arn
}

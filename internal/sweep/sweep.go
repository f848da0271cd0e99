// Package sweep removes what end-to-end runs left behind in an AWS account:
// only what carries the e2e tags (E2EPrefix, E2ECreatedAt), created longer
// ago than a cutoff (no cutoff for one run's own prefix). A run that was
// killed mid-deploy must not leave an MSK cluster billing for days, and
// nothing without those tags may ever change.
//
// Regional resources come from the Resource Groups Tagging API (one call
// covers every service); IAM roles from ListRoles, each selected by its own
// tags (ListRoleTags), never by name; MSK configurations, which cannot be
// tagged, by the name their stack gives them (<prefix>-kafka-<version>).
// Deletes go in dependency order, and every delete checks what still holds
// the resource (instance profiles, ENIs, referencing groups outside the
// sweep) before it strips anything, so a resource goes whole or stays
// untouched. What is still held is retried, backing off, until the run's
// budget; what is left at the end makes a non-zero exit. KMS keys are only
// ever scheduled for deletion (KMS's own rule); a key already pending
// counts as swept.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Tag keys every e2e resource carries (default_tags in the e2e configurations).
const (
	TagPrefix    = "E2EPrefix"
	TagCreatedAt = "E2ECreatedAt"
	// TagRegion is the region of the run's stack: IAM is global, so a role
	// whose stack lives in another region is that region's sweep's.
	TagRegion = "E2ERegion"
)

// SafePrefix is what every prefix handed to the sweeper must start with, so a
// typo can never point it at production resources.
const SafePrefix = "e2e-"

// Clients are the AWS APIs the sweeper uses.
type Clients struct {
	Tagging *tagging.Client
	IAM     *iam.Client
	Lambda  *lambda.Client
	EC2     *ec2.Client
	ELB     *elb.Client
	Kafka   *kafka.Client
	Logs    *cloudwatchlogs.Client
	Route53 *route53.Client
	// The verify canary's schedule, alarms, topic and the topic's key.
	Events     *eventbridge.Client
	CloudWatch *cloudwatch.Client
	SNS        *sns.Client
	KMS        *kms.Client
}

// NewClients builds every client from one configuration; endpoint, when not
// empty, overrides every service's endpoint (tests).
func NewClients(cfg aws.Config, endpoint string) Clients {
	// Without --endpoint, BaseEndpoint stays as the configuration set it
	// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, endpoint_url in the
	// shared config); a nil here would silently send the calls to AWS.
	base := cfg.BaseEndpoint
	if endpoint != "" {
		base = aws.String(endpoint)
	}
	return Clients{
		Tagging:    tagging.NewFromConfig(cfg, func(o *tagging.Options) { o.BaseEndpoint = base }),
		IAM:        iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = base }),
		Lambda:     lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = base }),
		EC2:        ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = base }),
		ELB:        elb.NewFromConfig(cfg, func(o *elb.Options) { o.BaseEndpoint = base }),
		Kafka:      kafka.NewFromConfig(cfg, func(o *kafka.Options) { o.BaseEndpoint = base }),
		Logs:       cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base }),
		Route53:    route53.NewFromConfig(cfg, func(o *route53.Options) { o.BaseEndpoint = base }),
		Events:     eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = base }),
		CloudWatch: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = base }),
		SNS:        sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = base }),
		KMS:        kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = base }),
	}
}

// RequestTimeout bounds every AWS call made with cfg, its retries included:
// an endpoint that accepts the connection and never answers ends the call
// with an error naming the bound, not the run. Add it to cfg.APIOptions
// before NewClients.
func RequestTimeout(d time.Duration) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("mskvpceRequestTimeout",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				cctx, cancel := context.WithTimeout(ctx, d)
				defer cancel()
				out, md, err := next.HandleInitialize(cctx, in)
				if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
					err = fmt.Errorf("no answer within the request timeout (%s): %w", d, err)
				}
				return out, md, err
			}), middleware.Before)
	}
}

// Options choose what to sweep.
type Options struct {
	// Prefix selects resources whose E2EPrefix tag (or IAM role name) starts with it.
	Prefix string
	// OlderThan keeps anything younger: a run in progress is never swept.
	OlderThan time.Duration
	// Region is the region swept; roles tagged E2ERegion with another
	// region are kept. Empty keeps no role for that reason.
	Region string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// WaitForClusters waits this long for deleted MSK clusters to be gone
	// before deleting the network they sit in; 0 does not wait.
	WaitForClusters time.Duration
	// PollInterval is how often the wait polls and deferred deletes are
	// retried; 0 means 30 s.
	PollInterval time.Duration
	// Budget bounds the whole delete run, waits and retries included; 0
	// makes one pass and one retry of what was deferred.
	Budget time.Duration
}

// reRunID is one run's prefix: e2e-<id>, the id lowercase letters, digits
// and inner hyphens (the module's prefix rule).
var reRunID = regexp.MustCompile(`^e2e-[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Validate rejects options that could sweep the wrong things.
func (o Options) Validate() error {
	if o.Prefix != SafePrefix && !reRunID.MatchString(o.Prefix) {
		return fmt.Errorf("--prefix %q: want %q (every run) or one run's whole prefix e2e-<id> (lowercase letters, digits, hyphens), so the sweeper can only ever touch e2e resources", o.Prefix, SafePrefix)
	}
	if o.OlderThan < 0 {
		return fmt.Errorf("--older-than %s: must not be negative", o.OlderThan)
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--wait-clusters", o.WaitForClusters}, {"--poll", o.PollInterval}, {"--budget", o.Budget}} {
		if d.v < 0 {
			return fmt.Errorf("%s %s: must not be negative", d.flag, d.v)
		}
	}
	// A run sweeps its own prefix the moment it ends; sweeping every run
	// needs an age, so a run in progress is never swept.
	if o.Prefix == SafePrefix && o.OlderThan < time.Hour {
		return fmt.Errorf("--older-than %s: must be at least 1h with --prefix %s, so a run in progress is never swept (no age limit only for one run's own --prefix e2e-<id>)", o.OlderThan, SafePrefix)
	}
	return nil
}

// Matches reports whether an E2EPrefix tag value belongs to the sweep: the
// whole run id, or any e2e run for SafePrefix (e2e-ab12 never takes e2e-ab123).
func (o Options) Matches(runID string) bool {
	if o.Prefix == SafePrefix {
		return strings.HasPrefix(runID, SafePrefix)
	}
	return runID == o.Prefix
}

// Resource is one thing the sweeper found.
type Resource struct {
	Kind    Kind      `json:"kind"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Prefix  string    `json:"prefix"`
	Created time.Time `json:"created"`
}

func (r Resource) String() string { return fmt.Sprintf("%s %s", r.Kind, r.ID) }

// Kept is a resource the sweeper leaves alone, and why.
type Kept struct {
	Resource
	Reason string `json:"reason"`
}

// Plan is what a sweep would delete, in order, and what it keeps.
type Plan struct {
	Delete []Resource `json:"delete"`
	Keep   []Kept     `json:"keep"`
}

// Discover lists candidate resources and splits them into delete and keep.
func Discover(ctx context.Context, c Clients, o Options) (Plan, error) {
	if err := o.Validate(); err != nil {
		return Plan{}, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	cutoff := now().Add(-o.OlderThan)
	var plan Plan
	consider := func(r Resource) {
		switch {
		case r.Kind == KindUnknown:
			plan.Keep = append(plan.Keep, Kept{r, "no deleter for this resource type: delete it by hand"})
		case r.Created.IsZero():
			plan.Keep = append(plan.Keep, Kept{r, "no " + TagCreatedAt + " tag: age unknown"})
		case r.Created.After(cutoff):
			plan.Keep = append(plan.Keep, Kept{r, fmt.Sprintf("younger than %s", o.OlderThan)})
		default:
			plan.Delete = append(plan.Delete, r)
		}
	}

	var groups []string
	pages := tagging.NewGetResourcesPaginator(c.Tagging, &tagging.GetResourcesInput{
		TagFilters: []taggingtypes.TagFilter{{Key: aws.String(TagPrefix)}},
	})
	var tagged []Resource
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Plan{}, fmt.Errorf("list tagged resources (tag:GetResources): %w", err)
		}
		for _, m := range page.ResourceTagMappingList {
			tags := map[string]string{}
			for _, t := range m.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if !o.Matches(tags[TagPrefix]) {
				continue
			}
			kind, id := ParseARN(aws.ToString(m.ResourceARN))
			if kind == KindPart {
				continue // goes with its load balancer or group
			}
			r := Resource{Kind: kind, ID: id, ARN: aws.ToString(m.ResourceARN), Prefix: tags[TagPrefix]}
			if ts, err := time.Parse(time.RFC3339, tags[TagCreatedAt]); err == nil {
				r.Created = ts
			}
			if kind == KindSecurityGroup {
				groups = append(groups, id)
			}
			tagged = append(tagged, r)
		}
	}
	// A VPC's default group carries the VPC's tags but cannot be deleted:
	// it goes with its VPC.
	defaults, err := defaultGroups(ctx, c, groups)
	if err != nil {
		return Plan{}, err
	}
	for _, r := range tagged {
		if r.Kind == KindSecurityGroup && defaults[r.ID] {
			continue
		}
		if r.Kind == KindSecurityGroupRule {
			// In a group of the sweep it goes with the group; else it is
			// the one thing of that group the sweep may remove.
			rule, err := describeRule(ctx, c.EC2, r.ID)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return Plan{}, fmt.Errorf("read security group rule %s (ec2:DescribeSecurityGroupRules): %w", r.ID, err)
			}
			if slices.Contains(groups, aws.ToString(rule.GroupId)) {
				continue
			}
		}
		if r.Kind == KindKMSKey {
			// KMS keeps a scheduled key (and its tags) for 7-30 days:
			// already swept, not a leftover.
			pending, err := keyPending(ctx, c.KMS, r.ID)
			if err != nil {
				return Plan{}, err
			}
			if pending {
				continue
			}
		}
		consider(r)
	}

	// IAM is not in the tagging API: every role's own tags decide, never its name.
	roles := iam.NewListRolesPaginator(c.IAM, &iam.ListRolesInput{})
	for roles.HasMorePages() {
		page, err := roles.NextPage(ctx)
		if err != nil {
			return Plan{}, fmt.Errorf("list IAM roles (iam:ListRoles): %w", err)
		}
		for _, role := range page.Roles {
			name := aws.ToString(role.RoleName)
			tags, err := roleTags(ctx, c.IAM, name)
			if err != nil {
				return Plan{}, err
			}
			if _, ok := tags[TagPrefix]; !ok || !o.Matches(tags[TagPrefix]) {
				continue
			}
			r := Resource{Kind: KindIAMRole, ID: name, ARN: aws.ToString(role.Arn), Prefix: tags[TagPrefix]}
			if ts, err := time.Parse(time.RFC3339, tags[TagCreatedAt]); err == nil {
				r.Created = ts
			}
			if reg := tags[TagRegion]; reg != "" && o.Region != "" && reg != o.Region {
				plan.Keep = append(plan.Keep, Kept{r, "its stack is in " + reg + " (" + TagRegion + "): sweep that region"})
				continue
			}
			consider(r)
		}
	}

	// MSK configurations cannot be tagged: the module names them
	// <prefix>-kafka-<version>, so a name is ours only when its prefix is a
	// whole run id this sweep matches; the age is its creation time.
	confs := kafka.NewListConfigurationsPaginator(c.Kafka, &kafka.ListConfigurationsInput{})
	for confs.HasMorePages() {
		page, err := confs.NextPage(ctx)
		if err != nil {
			return Plan{}, fmt.Errorf("list MSK configurations (kafka:ListConfigurations): %w", err)
		}
		for _, cf := range page.Configurations {
			m := reConfigName.FindStringSubmatch(aws.ToString(cf.Name))
			if m == nil || !o.Matches(m[1]) || !reRunID.MatchString(m[1]) {
				continue
			}
			consider(Resource{Kind: KindKafkaConfiguration, ID: aws.ToString(cf.Arn), ARN: aws.ToString(cf.Arn), Prefix: m[1], Created: aws.ToTime(cf.CreationTime)})
		}
	}
	plan.Delete = dedupe(plan.Delete)

	sort.SliceStable(plan.Delete, func(i, j int) bool { return plan.Delete[i].Kind.order() < plan.Delete[j].Kind.order() })
	return plan, nil
}

// keyPending reports whether a KMS key is already scheduled for deletion
// (or gone).
func keyPending(ctx context.Context, c *kms.Client, id string) (bool, error) {
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		if isNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("describe KMS key %s (kms:DescribeKey): %w", id, err)
	}
	st := d.KeyMetadata.KeyState
	return st == kmstypes.KeyStatePendingDeletion || st == kmstypes.KeyStatePendingReplicaDeletion, nil
}

// reConfigName is the module's configuration name: <prefix>-kafka-<version>.
var reConfigName = regexp.MustCompile(`^(e2e-[a-z0-9-]+?)-kafka-[0-9a-z-]+$`)

// dedupe drops a resource found twice (a configuration both tagged, in a
// later module version, and named).
func dedupe(rs []Resource) []Resource {
	seen := map[string]bool{}
	var out []Resource
	for _, r := range rs {
		k := string(r.Kind) + " " + r.ID
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// Outcome statuses.
const (
	StatusDeleted = "deleted"
	StatusGone    = "gone" // already deleted by someone else: done
	// StatusScheduled is a KMS key pending deletion (KMS deletes keys only
	// after a waiting period): swept.
	StatusScheduled = "scheduled"
	StatusDeferred  = "deferred" // still held by something; retried until the budget
	StatusFailed    = "failed"
	StatusSkipped   = "not-attempted" // the sweep was interrupted first
)

// Outcome is what happened to one resource.
type Outcome struct {
	Resource
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Execute deletes the plan in order and reports each outcome. It goes on
// after a failure: one stuck resource must not shield the rest. Deferred
// deletes (something still holds the resource) are retried every
// PollInterval until Budget. When ctx ends (a signal) it stops between two
// deletes, never inside one, and reports interrupted; what it did not reach
// is not-attempted.
func Execute(ctx context.Context, c Clients, p Plan, o Options, progress func(Outcome)) (out []Outcome, interrupted bool) {
	interval := o.PollInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	start := time.Now()
	groups := map[string]bool{}
	for _, r := range p.Delete {
		if r.Kind == KindSecurityGroup {
			groups[r.ID] = true
		}
	}
	d := deleter{c: c, sweptGroups: groups}
	// Calls run under a context a signal cannot cancel: a delete never stops halfway.
	callCtx := context.WithoutCancel(ctx)
	out = make([]Outcome, len(p.Delete))
	for i, r := range p.Delete {
		out[i] = Outcome{Resource: r, Status: StatusSkipped}
	}
	var clusters []Resource
	waited := false
	for pass := 0; ; pass++ {
		pending := 0
		for i, r := range p.Delete {
			if out[i].Status != StatusSkipped && out[i].Status != StatusDeferred {
				continue
			}
			if ctx.Err() != nil {
				return out, true
			}
			if r.Kind.order() > KindKafkaCluster.order() && !waited {
				waited = true
				if !waitForClusters(ctx, c, clusters, o) {
					return out, true
				}
			}
			before := out[i].Status
			err := d.delete(callCtx, r)
			oc := Outcome{Resource: r, Status: StatusDeleted}
			var sched *scheduledError
			switch {
			case errors.As(err, &sched):
				oc.Status, oc.Error = StatusScheduled, sched.msg
			case err == nil:
				if r.Kind == KindKafkaCluster {
					clusters = append(clusters, r)
				}
			case r.Kind == KindKafkaCluster && isAlreadyDeleting(err):
				// An earlier sweep or destroy started it: wait for it the same way.
				clusters = append(clusters, r)
			case isNotFound(err):
				oc.Status = StatusGone
			case isDependency(err):
				oc.Status, oc.Error = StatusDeferred, fmt.Sprintf("attempt %d: %v", pass+1, err)
				pending++
			default:
				oc.Status, oc.Error = StatusFailed, err.Error()
			}
			out[i] = oc
			// A still-held resource is reported on its first refusal and
			// then every fourth pass, so a long ENI drain shows progress
			// without flooding the log.
			if progress != nil && (oc.Status != StatusDeferred || before != StatusDeferred || pass%4 == 0) {
				progress(oc)
			}
		}
		if pending == 0 {
			return out, false
		}
		// Pass 0 then one retry at least; more while the budget lasts.
		// A deleted Lambda's ENIs hold its groups and subnets for 20-45
		// minutes: back off, doubling the wait up to four polls.
		wait := interval << min(pass, 2)
		if pass > 0 && time.Since(start)+wait > o.Budget {
			return out, false
		}
		select {
		case <-ctx.Done():
			return out, true
		case <-time.After(wait):
		}
	}
}

// waitForClusters polls until the deleted clusters are gone, so their ENIs
// release the subnets and security groups deleted next. It returns false
// when ctx ended (a signal) during the wait.
func waitForClusters(ctx context.Context, c Clients, clusters []Resource, o Options) bool {
	if o.WaitForClusters <= 0 || len(clusters) == 0 {
		return true
	}
	interval := o.PollInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.WaitForClusters)
	defer cancel()
	for _, cl := range clusters {
		for {
			_, err := c.Kafka.DescribeClusterV2(wctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(cl.ARN)})
			if err != nil {
				break // gone (NotFoundException), or we cannot tell: move on either way
			}
			select {
			case <-ctx.Done():
				return false
			case <-wctx.Done():
				return true
			case <-time.After(interval):
			}
		}
	}
	return true
}

// isDependency reports whether AWS refused a delete because something still
// uses the resource.
func isDependency(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "DependencyViolation", "ResourceInUse", "ResourceInUseException", "DeleteConflict", "HostedZoneNotEmpty",
		"InvalidGroup.InUse", "ConflictException":
		return true
	case "BadRequestException", "InvalidParameterException":
		// MSK: "You can't delete cluster in HEALING state." (MAINTENANCE,
		// UPDATING...) passes; retry it like a dependency.
		msg := strings.ToLower(api.ErrorMessage())
		return strings.Contains(msg, "in use") || strings.Contains(msg, "can't delete cluster in")
	}
	return false
}

// isNotFound reports whether the resource is already gone: done, not a failure.
func isNotFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	code := api.ErrorCode()
	return strings.Contains(code, "NotFound") || strings.HasPrefix(code, "NoSuch")
}

// isAlreadyDeleting reports MSK refusing to delete a cluster that is already
// being deleted ("BadRequestException: You can't delete cluster in DELETING
// state.").
func isAlreadyDeleting(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "BadRequestException" &&
		strings.Contains(strings.ToUpper(api.ErrorMessage()), "DELETING")
}

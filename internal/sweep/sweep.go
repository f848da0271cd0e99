// Package sweep removes what end-to-end runs left behind in an AWS account:
// anything tagged with an e2e prefix (E2EPrefix) and created (E2ECreatedAt)
// longer ago than a cutoff, plus IAM roles named with the prefix. A run that
// was killed mid-deploy must not leave an MSK cluster billing for days.
//
// It finds regional resources with the Resource Groups Tagging API (one call
// covers every service) and IAM roles with ListRoles (the tagging API does
// not return IAM roles), then deletes in dependency order: what uses a thing
// goes before the thing. A delete that fails only because something still
// depends on it (ENIs of a deleting cluster or Lambda linger for minutes) is
// deferred to the next sweep, not reported as a failure.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/smithy-go"
)

// Tag keys every e2e resource carries (default_tags in the e2e configurations).
const (
	TagPrefix    = "E2EPrefix"
	TagCreatedAt = "E2ECreatedAt"
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
}

// NewClients builds every client from one configuration; endpoint, when not
// empty, overrides every service's endpoint (tests).
func NewClients(cfg aws.Config, endpoint string) Clients {
	var base *string
	if endpoint != "" {
		base = aws.String(endpoint)
	}
	return Clients{
		Tagging: tagging.NewFromConfig(cfg, func(o *tagging.Options) { o.BaseEndpoint = base }),
		IAM:     iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = base }),
		Lambda:  lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = base }),
		EC2:     ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = base }),
		ELB:     elb.NewFromConfig(cfg, func(o *elb.Options) { o.BaseEndpoint = base }),
		Kafka:   kafka.NewFromConfig(cfg, func(o *kafka.Options) { o.BaseEndpoint = base }),
		Logs:    cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base }),
		Route53: route53.NewFromConfig(cfg, func(o *route53.Options) { o.BaseEndpoint = base }),
	}
}

// Options choose what to sweep.
type Options struct {
	// Prefix selects resources whose E2EPrefix tag (or IAM role name) starts with it.
	Prefix string
	// OlderThan keeps anything younger: a run in progress is never swept.
	OlderThan time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// WaitForClusters waits this long for deleted MSK clusters to be gone
	// before deleting the network they sit in; 0 does not wait.
	WaitForClusters time.Duration
	// PollInterval is how often the wait polls; 0 means 30 s.
	PollInterval time.Duration
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

	pages := tagging.NewGetResourcesPaginator(c.Tagging, &tagging.GetResourcesInput{
		TagFilters: []taggingtypes.TagFilter{{Key: aws.String(TagPrefix)}},
	})
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
			r := Resource{Kind: kind, ID: id, ARN: aws.ToString(m.ResourceARN), Prefix: tags[TagPrefix]}
			if ts, err := time.Parse(time.RFC3339, tags[TagCreatedAt]); err == nil {
				r.Created = ts
			}
			consider(r)
		}
	}

	roles := iam.NewListRolesPaginator(c.IAM, &iam.ListRolesInput{})
	for roles.HasMorePages() {
		page, err := roles.NextPage(ctx)
		if err != nil {
			return Plan{}, fmt.Errorf("list IAM roles (iam:ListRoles): %w", err)
		}
		for _, role := range page.Roles {
			name := aws.ToString(role.RoleName)
			if !(o.Prefix == SafePrefix && strings.HasPrefix(name, SafePrefix)) && !strings.HasPrefix(name, o.Prefix+"-") {
				continue
			}
			consider(Resource{Kind: KindIAMRole, ID: name, ARN: aws.ToString(role.Arn), Prefix: o.Prefix, Created: aws.ToTime(role.CreateDate)})
		}
	}

	sort.SliceStable(plan.Delete, func(i, j int) bool { return plan.Delete[i].Kind.order() < plan.Delete[j].Kind.order() })
	return plan, nil
}

// Outcome is what happened to one resource.
type Outcome struct {
	Resource
	// Status is deleted, deferred (something still depends on it; the next
	// sweep retries) or failed.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Execute deletes the plan in order and reports each outcome. It goes on
// after a failure: one stuck resource must not shield the rest.
func Execute(ctx context.Context, c Clients, p Plan, o Options, progress func(Outcome)) []Outcome {
	var out []Outcome
	var clusters []Resource
	waited := false
	for _, r := range p.Delete {
		if r.Kind.order() > KindKafkaCluster.order() && !waited {
			waited = true
			waitForClusters(ctx, c, clusters, o)
		}
		err := deleteOne(ctx, c, r)
		oc := Outcome{Resource: r, Status: "deleted"}
		switch {
		case err == nil:
			if r.Kind == KindKafkaCluster {
				clusters = append(clusters, r)
			}
		case isDependency(err):
			oc.Status, oc.Error = "deferred", err.Error()
		default:
			oc.Status, oc.Error = "failed", err.Error()
		}
		if progress != nil {
			progress(oc)
		}
		out = append(out, oc)
	}
	// Groups of one stack reference each other and a VPC waits for its
	// groups and subnets: one more pass over the network after the first
	// has removed what held it.
	for i, oc := range out {
		if oc.Status != "deferred" || oc.Kind.order() < KindSecurityGroup.order() {
			continue
		}
		if err := deleteOne(ctx, c, oc.Resource); err == nil {
			out[i].Status, out[i].Error = "deleted", ""
		} else if !isDependency(err) {
			out[i].Status, out[i].Error = "failed", err.Error()
		}
		if progress != nil {
			progress(out[i])
		}
	}
	return out
}

// waitForClusters polls until the deleted clusters are gone, so their ENIs
// release the subnets and security groups deleted next.
func waitForClusters(ctx context.Context, c Clients, clusters []Resource, o Options) {
	if o.WaitForClusters <= 0 || len(clusters) == 0 {
		return
	}
	interval := o.PollInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.WaitForClusters)
	defer cancel()
	for _, cl := range clusters {
		for {
			_, err := c.Kafka.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(cl.ARN)})
			if err != nil {
				break // gone (NotFoundException), or we cannot tell: move on either way
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}
}

// isDependency reports whether AWS refused a delete because something still
// uses the resource.
func isDependency(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "DependencyViolation", "ResourceInUse", "ResourceInUseException", "DeleteConflict", "HostedZoneNotEmpty":
		return true
	case "BadRequestException", "InvalidParameterException":
		return strings.Contains(strings.ToLower(api.ErrorMessage()), "in use")
	}
	return false
}

package cli

// The Databricks connection lifecycle: NCC private endpoint rules read live
// from the account API, their endpoints accepted by exact ID, and the
// endpoint connections rejected before a destroy.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/client"
	dbconfig "github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/settings"

	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// The rule states (databricks-sdk-go's NccPrivateEndpointRulePrivateLinkConnectionState).
const (
	ruleCreating     = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateCreating)
	ruleCreateFailed = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateCreateFailed)
	rulePending      = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStatePending)
	ruleEstablished  = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateEstablished)
	ruleRejected     = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateRejected)
	ruleDisconnected = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateDisconnected)
	ruleExpired      = string(settings.NccPrivateEndpointRulePrivateLinkConnectionStateExpired)
)

// Default pace of the wait for the rules: Databricks takes minutes to create
// an endpoint (more than 90 s in field reports), AWS seconds to accept it.
const (
	defaultRulePoll    = 10 * time.Second
	defaultRuleTimeout = 30 * time.Minute
)

// liveRule is a private endpoint rule as the account API returns it
// (error_message is set with CREATE_FAILED; databricks-sdk-go's model lacks it).
type liveRule struct {
	RuleID          string `json:"rule_id"`
	ConnectionState string `json:"connection_state"`
	VPCEndpointID   string `json:"vpc_endpoint_id,omitempty"`
	EndpointService string `json:"endpoint_service,omitempty"`
	ErrorMessage    string `json:"error_message,omitempty"`
	// CreationTime is when the rule was created (Unix milliseconds): a
	// PENDING rule expires 14 days after.
	CreationTime int64 `json:"creation_time,omitempty"`
}

// pendingExpiry is how long Databricks keeps a rule PENDING before it
// expires it (EXPIRED: the rule must be made again).
const pendingExpiry = 14 * 24 * time.Hour

// accountAPI reads rules with databricks-sdk-go's client: the provider's
// credential sources (DATABRICKS_CLIENT_ID/SECRET, DATABRICKS_TOKEN,
// ~/.databrickscfg profiles), its retries and its errors.
type accountAPI struct {
	c       *client.DatabricksClient
	account string
}

func (c *cli) accountAPI() (*accountAPI, error) {
	host, _ := c.merged["databricks_account_host"].(string)
	if host == "" {
		host = "https://accounts.cloud.databricks.com"
	}
	id, _ := c.merged["databricks_account_id"].(string)
	cfg := &dbconfig.Config{Host: strings.TrimSuffix(host, "/"), AccountID: id}
	if c.env.DatabricksConfig != nil {
		c.env.DatabricksConfig(cfg)
	}
	const fix = "give deploy the Databricks provider's credentials: DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET of an account-admin service principal, or a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE)"
	if err := cfg.EnsureResolved(); err != nil {
		return nil, fmt.Errorf("Databricks account API at %s: %w; %s", cfg.Host, err, fix)
	}
	if !cfg.IsAccountClient() {
		return nil, usagef("--databricks-account-host %s is not an account console host (https://accounts....)", cfg.Host)
	}
	cl, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("Databricks account API at %s: %w; %s", cfg.Host, err, fix)
	}
	return &accountAPI{c: cl, account: cfg.AccountID}, nil
}

func (a *accountAPI) rule(ctx context.Context, ncc, id string) (liveRule, error) {
	var r liveRule
	path := fmt.Sprintf("/api/2.0/accounts/%s/network-connectivity-configs/%s/private-endpoint-rules/%s",
		url.PathEscape(a.account), url.PathEscape(ncc), url.PathEscape(id))
	err := a.c.Do(ctx, http.MethodGet, path, map[string]string{"Accept": "application/json"}, nil, nil, &r)
	if errors.Is(err, apierr.ErrNotFound) {
		return r, fmt.Errorf("private endpoint rule %s is not in NCC %s (deleted outside Terraform?): %w", id, ncc, err)
	}
	if err != nil {
		return r, fmt.Errorf("read private endpoint rule %s of NCC %s: %w", id, ncc, err)
	}
	return r, nil
}

// liveRules reads every rule of the outputs; the result is in the outputs' order.
func (a *accountAPI) liveRules(ctx context.Context, db *tfoutputs.Databricks) ([]liveRule, error) {
	out := make([]liveRule, len(db.Rules))
	for i, r := range db.Rules {
		lr, err := a.rule(ctx, db.NetworkConnectivityConfigID, r.RuleID)
		if err != nil {
			return nil, err
		}
		out[i] = lr
	}
	return out, nil
}

// awsConfig is the AWS configuration of deploy's own AWS calls.
func (c *cli) awsConfig(ctx context.Context, region string) (aws.Config, error) {
	profile, _ := c.merged["aws_profile"].(string)
	if c.env.AWSConfig != nil {
		return c.env.AWSConfig(ctx, region, profile)
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region), awslog.Option(c.log)}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, usagef("AWS configuration: %v (configure a profile with --profile or the AWS_* environment)", err)
	}
	return cfg, nil
}

func (c *cli) rulePace() (poll, timeout time.Duration) {
	poll, timeout = c.env.RulePoll, c.env.RuleTimeout
	if poll <= 0 {
		poll = defaultRulePoll
	}
	if timeout <= 0 {
		timeout = defaultRuleTimeout
	}
	return poll, timeout
}

// ruleAdvice says what to do about a rule in a state that needs the
// operator, or "" for states that resolve by waiting or accepting.
func ruleAdvice(broker int, r liveRule, svc, apply string) string {
	switch r.ConnectionState {
	case ruleCreateFailed:
		msg := r.ErrorMessage
		if msg == "" {
			msg = "no error message"
		}
		return fmt.Sprintf("broker %d: Databricks could not create the endpoint of private endpoint rule %s (CREATE_FAILED: %s). Check that endpoint service %s allows Databricks' principal (deploy output) and is in the NCC's region, then delete the rule (account console → Security → Networking → the NCC → Private endpoint rules) and run `%s`: it re-creates the rule",
			broker, r.RuleID, msg, svc, apply)
	case ruleRejected:
		return fmt.Sprintf("broker %d: the connection of endpoint %s (rule %s) was rejected on endpoint service %s. Delete the rule in the account console and run `%s`: the re-created rule's endpoint is accepted by its ID",
			broker, r.VPCEndpointID, r.RuleID, svc, apply)
	case ruleDisconnected:
		return fmt.Sprintf("broker %d: endpoint %s (rule %s) is disconnected from endpoint service %s (the service or its connection was removed). Delete the rule in the account console and run `%s` to re-create and accept it",
			broker, r.VPCEndpointID, r.RuleID, svc, apply)
	case ruleExpired:
		return fmt.Sprintf("broker %d: endpoint %s (rule %s) expired: its connection was not accepted within 14 days. Delete the rule in the account console and run `%s`: it re-creates the rule and accepts the new endpoint",
			broker, r.VPCEndpointID, r.RuleID, apply)
	}
	return ""
}

// settleRules waits, with progress on stderr, until every rule of d has its
// endpoint; accepts exactly those endpoints on their own broker's endpoint
// service (never another pending connection: the allowed principal is
// shared by every Databricks customer in the region); and waits until every
// rule is ESTABLISHED. It returns the rules as last read.
func (c *cli) settleRules(ctx context.Context, d tfoutputs.Deployment) ([]liveRule, error) {
	db := d.Databricks
	if db == nil || len(db.Rules) == 0 {
		return nil, nil
	}
	api, err := c.accountAPI()
	if err != nil {
		return nil, err
	}
	cfg, err := c.awsConfig(ctx, d.Region)
	if err != nil {
		return nil, err
	}
	ec := ec2.NewFromConfig(cfg)
	brokers := map[int]tfoutputs.Broker{}
	for _, b := range d.Brokers {
		brokers[b.ID] = b
	}
	poll, timeout := c.rulePace()
	start := time.Now()
	deadline := start.Add(timeout)
	accepted := map[string]bool{}
	others := map[string]string{} // pending connections left alone: endpoint → owner
	last := ""
	for {
		live, err := api.liveRules(ctx, db)
		if err != nil {
			return nil, err
		}
		var waiting, failed []string
		for i, r := range live {
			out := db.Rules[i]
			b := brokers[out.BrokerID]
			if r.EndpointService != "" && b.EndpointServiceName != "" && r.EndpointService != b.EndpointServiceName {
				return live, fmt.Errorf("private endpoint rule %s (broker %d) points at endpoint service %s, not the broker's %s: fix the rule (terraform state and the NCC disagree) and run `%s`",
					r.RuleID, out.BrokerID, r.EndpointService, b.EndpointServiceName, c.cmdline("apply"))
			}
			if a := ruleAdvice(out.BrokerID, r, b.EndpointServiceID, c.cmdline("apply")); a != "" {
				failed = append(failed, a)
				continue
			}
			switch {
			case r.ConnectionState == ruleEstablished:
				continue
			case r.VPCEndpointID == "" || r.ConnectionState == ruleCreating:
				waiting = append(waiting, fmt.Sprintf("broker %d %s", out.BrokerID, r.ConnectionState))
				continue
			}
			waiting = append(waiting, fmt.Sprintf("broker %d %s (%s)", out.BrokerID, r.ConnectionState, r.VPCEndpointID))
			if accepted[r.VPCEndpointID] {
				continue
			}
			ok, err := acceptExactly(ctx, ec, b.EndpointServiceID, r.VPCEndpointID, others)
			if err != nil {
				return live, fmt.Errorf("broker %d: accept endpoint %s on endpoint service %s: %w", out.BrokerID, r.VPCEndpointID, b.EndpointServiceID, err)
			}
			if ok {
				accepted[r.VPCEndpointID] = true
				fmt.Fprintf(c.env.Stderr, "accepted endpoint %s of private endpoint rule %s on endpoint service %s (broker %d)\n", r.VPCEndpointID, r.RuleID, b.EndpointServiceID, out.BrokerID)
			}
		}
		if len(failed) > 0 {
			return live, fmt.Errorf("not every private endpoint rule can connect:\n  - %s", strings.Join(failed, "\n  - "))
		}
		if len(waiting) == 0 {
			if len(others) > 0 {
				var l []string
				for ep, owner := range others {
					l = append(l, ep+" (account "+owner+")")
				}
				sort.Strings(l)
				fmt.Fprintf(c.env.Stderr, "note: left %d other pending connection(s) to the endpoint services alone (not this deployment's rules): %s\n", len(l), strings.Join(l, ", "))
			}
			fmt.Fprintf(c.env.Stderr, "every private endpoint rule is ESTABLISHED (%s)\n", time.Since(start).Round(time.Second))
			return live, nil
		}
		if now := strings.Join(waiting, ", "); now != last {
			last = now
			fmt.Fprintf(c.env.Stderr, "waiting for the private endpoint rules (%s of at most %s): %s\n", time.Since(start).Round(time.Second), timeout, now)
		}
		if time.Now().Add(poll).After(deadline) {
			return live, fmt.Errorf("private endpoint rules not ESTABLISHED after %s: %s. Databricks may still be creating them: run `%s` again later (it waits again and accepts the endpoints by their IDs), or see `%s`",
				timeout, last, c.cmdline("apply"), c.cmdline("status"))
		}
		select {
		case <-ctx.Done():
			return live, fmt.Errorf("waiting for the private endpoint rules: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
}

// describeConnections lists every connection of the services, all pages.
func describeConnections(ctx context.Context, ec *ec2.Client, serviceIDs ...string) ([]ec2types.VpcEndpointConnection, error) {
	p := ec2.NewDescribeVpcEndpointConnectionsPaginator(ec, &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []ec2types.Filter{{Name: aws.String("service-id"), Values: serviceIDs}},
	})
	var all []ec2types.VpcEndpointConnection
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, out.VpcEndpointConnections...)
	}
	return all, nil
}

// connState is a connection's state, lowercase: EC2 sends
// "pendingAcceptance", "available", ... while the SDK's State constants are
// capitalised ("PendingAcceptance"), so they never equal the wire value.
func connState(x ec2types.VpcEndpointConnection) string {
	return strings.ToLower(string(x.VpcEndpointState))
}

// acceptExactly accepts endpointID on serviceID if it is pending acceptance
// there; it reports true once the connection is accepted (now or before),
// false while AWS does not list it yet. Other pending connections are
// recorded in others and never accepted.
func acceptExactly(ctx context.Context, ec *ec2.Client, serviceID, endpointID string, others map[string]string) (bool, error) {
	conns, err := describeConnections(ctx, ec, serviceID)
	if err != nil {
		return false, err
	}
	var mine *ec2types.VpcEndpointConnection
	for i, x := range conns {
		id := aws.ToString(x.VpcEndpointId)
		if id == endpointID {
			mine = &conns[i]
		} else if connState(x) == "pendingacceptance" {
			others[id] = aws.ToString(x.VpcEndpointOwner)
		}
	}
	if mine == nil {
		return false, nil // Databricks reported the endpoint before AWS lists its connection
	}
	switch connState(*mine) {
	case "pending", "available":
		return true, nil
	case "pendingacceptance":
	default:
		return false, fmt.Errorf("its connection is %s, it cannot be accepted", mine.VpcEndpointState)
	}
	res, err := ec.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(serviceID), VpcEndpointIds: []string{endpointID}})
	if err != nil {
		return false, err
	}
	for _, u := range res.Unsuccessful {
		if u.Error != nil {
			return false, fmt.Errorf("%s: %s", aws.ToString(u.Error.Code), aws.ToString(u.Error.Message))
		}
	}
	return true, nil
}

// rejectConnections rejects every pending or accepted connection of the
// deployment's endpoint services: AWS refuses to delete an endpoint service
// that has them, and Databricks may keep an endpoint for up to 7 days after
// its rule is deleted. It returns what it rejected, "endpoint (service)".
func (c *cli) rejectConnections(ctx context.Context, d tfoutputs.Deployment) ([]string, error) {
	var ids []string
	for _, b := range d.Brokers {
		if b.EndpointServiceID != "" {
			ids = append(ids, b.EndpointServiceID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cfg, err := c.awsConfig(ctx, d.Region)
	if err != nil {
		return nil, err
	}
	ec := ec2.NewFromConfig(cfg)
	conns, err := describeConnections(ctx, ec, ids...)
	if err != nil {
		return nil, fmt.Errorf("list the endpoint connections of %s: %w", strings.Join(ids, ", "), err)
	}
	bySvc := map[string][]string{}
	for _, x := range conns {
		switch connState(x) {
		case "pendingacceptance", "pending", "available":
			bySvc[aws.ToString(x.ServiceId)] = append(bySvc[aws.ToString(x.ServiceId)], aws.ToString(x.VpcEndpointId))
		}
	}
	var done []string
	for _, svc := range ids {
		eps := bySvc[svc]
		if len(eps) == 0 {
			continue
		}
		res, err := ec.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: eps})
		if err != nil {
			return done, fmt.Errorf("reject the endpoint connections %s of %s: %w", strings.Join(eps, ", "), svc, err)
		}
		bad := map[string]string{}
		for _, u := range res.Unsuccessful {
			if u.Error != nil {
				bad[aws.ToString(u.ResourceId)] = aws.ToString(u.Error.Code) + ": " + aws.ToString(u.Error.Message)
			}
		}
		for _, ep := range eps {
			if msg, ok := bad[ep]; ok {
				return done, fmt.Errorf("reject endpoint connection %s of %s: %s", ep, svc, msg)
			}
			done = append(done, ep+" ("+svc+")")
		}
	}
	return done, nil
}

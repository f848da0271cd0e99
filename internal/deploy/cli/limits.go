package cli

// Databricks' account limits on serverless private connectivity, checked
// before Terraform creates a rule: a plan that would exceed one fails at
// apply, halfway, with some rules made. The account API says what the
// account already uses; the discovered cluster says what this deployment
// adds.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/settings"

	"github.com/mskvpce/mskvpce/internal/deploy/discovery"
)

// Databricks' limits (AWS, serverless private connectivity).
const (
	maxEndpointsPerRegion = 30 // private endpoints, across all NCCs of a region
	maxNCCsPerRegion      = 10
	maxDomainNamesPerRule = discovery.MaxDomainNamesPerRule
)

// accountNCC is one NCC of the account and its active rules.
type accountNCC struct {
	ID, Name, Region string
	Rules            []accountRule
}

type accountRule struct {
	ID          string
	DomainNames []string
}

// limitsReport is what the check found (--output json: "databricks_limits").
type limitsReport struct {
	Region string `json:"region"`
	// Endpoints are the private endpoint rules in the region now, across
	// all NCCs; NewEndpoints those this deployment adds (its brokers
	// without a rule in its NCC yet).
	Endpoints    int `json:"endpoints"`
	NewEndpoints int `json:"new_endpoints"`
	MaxEndpoints int `json:"max_endpoints"`
	// NCCs in the region now; NewNCCs is 1 when the deployment creates its own.
	NCCs    int `json:"nccs"`
	NewNCCs int `json:"new_nccs"`
	MaxNCCs int `json:"max_nccs"`
	// NCC is the deployment's NCC when it exists already.
	NCC string `json:"ncc_id,omitempty"`
	// DomainNames is the most domain names one of its rules carries.
	DomainNames    int `json:"max_domain_names_in_a_rule"`
	MaxDomainNames int `json:"max_domain_names"`
}

// countLimits works out the usage after this deployment's rules: the
// account's NCCs (every region), the deployment's region, the NCC it is
// given (nccID) or the one it creates (named nccName), and its brokers.
// Brokers without a hostname are those of a cluster the deployment creates
// (named clusterName).
func countLimits(account []accountNCC, region, nccID, nccName, clusterName string, brokers []discovery.Broker) (limitsReport, []discovery.Refusal) {
	r := limitsReport{Region: region, MaxEndpoints: maxEndpointsPerRegion, MaxNCCs: maxNCCsPerRegion, MaxDomainNames: maxDomainNamesPerRule}
	var ours *accountNCC
	var per []string
	for i, n := range account {
		if n.Region != region {
			continue
		}
		r.NCCs++
		r.Endpoints += len(n.Rules)
		if len(n.Rules) > 0 {
			per = append(per, fmt.Sprintf("%s: %d", n.ID, len(n.Rules)))
		}
		if (nccID != "" && n.ID == nccID) || (nccID == "" && n.Name == nccName) {
			ours = &account[i]
		}
	}
	if ours != nil {
		r.NCC = ours.ID
	} else if nccID == "" {
		r.NewNCCs = 1
	}
	unnamed := 0
	for _, b := range brokers {
		if b.Hostname == "" {
			// A cluster the deployment creates: its brokers' names exist
			// only once it does.
			unnamed++
			continue
		}
		r.DomainNames = max(r.DomainNames, len(b.DomainNames))
		// A broker whose hostname a rule of the deployment's NCC carries
		// has its rule (a later plan of the same deployment).
		if ours != nil && slices.ContainsFunc(ours.Rules, func(x accountRule) bool { return slices.Contains(x.DomainNames, b.Hostname) }) {
			continue
		}
		r.NewEndpoints++
	}
	if unnamed > 0 {
		// Rules the deployment made already: those of its NCC for its
		// cluster's brokers (b-N.<cluster name>.…), when it has run before.
		have := 0
		if ours != nil && clusterName != "" {
			for _, x := range ours.Rules {
				if len(x.DomainNames) > 0 && strings.HasPrefix(x.DomainNames[0], "b-") && strings.Contains(x.DomainNames[0], "."+clusterName+".") {
					have++
				}
			}
		}
		r.NewEndpoints += max(0, unnamed-have)
	}
	var out []discovery.Refusal
	if n := r.Endpoints + r.NewEndpoints; r.NewEndpoints > 0 && n > maxEndpointsPerRegion {
		sort.Strings(per)
		out = append(out, discovery.Refusal{
			Problem: fmt.Sprintf("Databricks allows %d private endpoints per region across all NCCs: the account has %d in %s (%s) and this deployment adds %d (one per broker without a rule), %d in all",
				maxEndpointsPerRegion, r.Endpoints, region, strings.Join(per, ", "), r.NewEndpoints, n),
			Fix: fmt.Sprintf("delete %d rules no longer used (account console: Security → Network connectivity configurations → the NCC → Private endpoint rules; or `databricks account network-connectivity delete-private-endpoint-rule NCC_ID RULE_ID`), or ask Databricks to raise the limit, then run again",
				n-maxEndpointsPerRegion),
		})
	}
	if n := r.NCCs + r.NewNCCs; r.NewNCCs > 0 && n > maxNCCsPerRegion {
		out = append(out, discovery.Refusal{
			Problem: fmt.Sprintf("Databricks allows %d NCCs per region: the account has %d in %s and this deployment would create one more (%s)", maxNCCsPerRegion, r.NCCs, region, nccName),
			Fix:     "pass --databricks-ncc-id with an NCC of the region the workspace can use (`databricks account network-connectivity list-network-connectivity-configurations`), or delete an unused one, then run again",
		})
	}
	return r, out
}

// checkNewClusterLimits checks Databricks' limits for a deployment that
// creates its cluster, with the Databricks half on: one rule per broker
// (broker_count, or broker_ids after removals).
func (c *cli) checkNewClusterLimits(ctx context.Context) error {
	if c.existingCluster() || !c.databricks() {
		return nil
	}
	n := 3 // broker_count's default
	if v, ok := c.merged["broker_count"]; ok && v != nil {
		// json.Number from a flag, float64 or json.Number from a file.
		if f, err := strconv.ParseFloat(fmt.Sprint(v), 64); err == nil && f >= 1 {
			n = int(f)
		}
	}
	if ids, ok := c.merged["broker_ids"].([]any); ok && len(ids) > 0 {
		n = len(ids)
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	return c.checkDatabricksLimits(ctx, make([]discovery.Broker, n))
}

// checkDatabricksLimits reads the account's NCCs and rules and refuses
// (exit 2, nothing written) a deployment whose rules would exceed a limit:
// one rule per broker (an existing cluster's as discovery found them; a new
// cluster's without names yet).
func (c *cli) checkDatabricksLimits(ctx context.Context, brokers []discovery.Broker) error {
	if !c.databricks() {
		return nil
	}
	api, err := c.accountAPI()
	if err != nil {
		return fmt.Errorf("check Databricks' account limits before any rule is created: %w", err)
	}
	account, err := api.nccs(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("check Databricks' account limits before any rule is created: %w\nNothing was planned or changed", err)
	}
	region, _ := c.merged["region"].(string)
	nccID, _ := c.merged["databricks_ncc_id"].(string)
	prefix, _ := c.merged["prefix"].(string)
	r, refusals := countLimits(account, region, nccID, prefix+"-ncc", prefix+"-msk", brokers)
	c.limits = &r
	if c.output != "json" {
		fmt.Fprintf(c.env.Stdout, "Databricks account limits in %s (account API): private endpoints %d + %d new = %d of %d; NCCs %d + %d new = %d of %d; domain names per rule at most %d of %d.\n\n",
			region, r.Endpoints, r.NewEndpoints, r.Endpoints+r.NewEndpoints, r.MaxEndpoints, r.NCCs, r.NewNCCs, r.NCCs+r.NewNCCs, r.MaxNCCs, r.DomainNames, r.MaxDomainNames)
	}
	if len(refusals) > 0 {
		return usagef("%v\nNothing was planned or changed.", &discovery.Error{Refusals: refusals, What: "Databricks' account limits refuse this deployment"})
	}
	return nil
}

// nccs lists the account's NCCs and each one's active rules (the SDK's
// iterators follow the pages).
func (a *accountAPI) nccs(ctx context.Context) ([]accountNCC, error) {
	api := settings.NewNetworkConnectivity(a.c)
	list, err := api.ListNetworkConnectivityConfigurationsAll(ctx, settings.ListNetworkConnectivityConfigurationsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list the account's network connectivity configurations: %w", err)
	}
	out := make([]accountNCC, 0, len(list))
	for _, n := range list {
		rules, err := api.ListPrivateEndpointRulesAll(ctx, settings.ListPrivateEndpointRulesRequest{NetworkConnectivityConfigId: n.NetworkConnectivityConfigId})
		if err != nil {
			return nil, fmt.Errorf("list the private endpoint rules of NCC %s: %w", n.NetworkConnectivityConfigId, err)
		}
		an := accountNCC{ID: n.NetworkConnectivityConfigId, Name: n.Name, Region: n.Region}
		for _, r := range rules {
			if r.Deactivated {
				continue // deleted: no longer an endpoint
			}
			an.Rules = append(an.Rules, accountRule{ID: r.RuleId, DomainNames: r.DomainNames})
		}
		out = append(out, an)
	}
	return out, nil
}

package controlplane

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// RuleDomains checks the Databricks half's NCC private endpoint rules
// against the hostnames a client meets: a Kafka client bootstraps from the
// hostnames in bootstrap_brokers_sasl_iam, then connects to each broker by
// the hostname metadata advertises. In serverless a hostname resolves only
// if a rule's domain_names carries it, and it reaches the broker only if
// that rule's endpoint service is the one in front of that broker's NLB.
// So every broker hostname must be in exactly one rule, on its own broker's
// service, and every bootstrap hostname that is no broker's (MSK Express
// brokers bootstrap through `boot-…` names) in exactly one rule, on some
// broker's service: any broker answers a bootstrap.
//
// It reads the deployment's outputs only (no AWS call). A deployment
// without the Databricks half yields no findings: its rules, if any, live
// outside this deployment.
func RuleDomains(d tfoutputs.Deployment) []finding.Finding {
	if d.Databricks == nil {
		return nil
	}
	rules := d.Databricks.Rules
	if outputsPredateDomains(rules) {
		return []finding.Finding{{Check: CheckRuleDomains, Target: "rules", Skipped: true,
			Detail:   "the outputs carry no rule's endpoint_service or domain_names (written before mskvpce reported them)",
			NextStep: "re-apply (terraform apply, or deploy apply) to refresh the outputs, then verify again"}}
	}
	// Which rules carry each hostname.
	carriers := map[string][]tfoutputs.DatabricksRule{}
	for _, r := range rules {
		seen := map[string]bool{}
		for _, n := range r.DomainNames {
			h := normalHost(n)
			if h == "" || seen[h] {
				continue
			}
			seen[h] = true
			carriers[h] = append(carriers[h], r)
		}
	}
	serviceOwner := map[string]tfoutputs.Broker{}
	brokerByHost := map[string]tfoutputs.Broker{}
	for _, b := range d.Brokers {
		serviceOwner[b.EndpointServiceName] = b
		brokerByHost[normalHost(b.Hostname)] = b
	}

	var out []finding.Finding
	for _, b := range d.Brokers {
		f := brokerRuleFinding(b, carriers[normalHost(b.Hostname)], serviceOwner)
		f.Check, f.Target = CheckRuleDomains, brokerTarget(b)
		out = append(out, f)
	}
	for _, addr := range d.Bootstrap() {
		h := normalHost(addr)
		if _, ok := brokerByHost[h]; ok {
			continue // covered by its broker's finding
		}
		f := bootstrapRuleFinding(h, carriers[h], serviceOwner)
		f.Check, f.Target = CheckRuleDomains, "bootstrap "+h
		out = append(out, f)
	}
	return out
}

func brokerRuleFinding(b tfoutputs.Broker, in []tfoutputs.DatabricksRule, serviceOwner map[string]tfoutputs.Broker) finding.Finding {
	h := normalHost(b.Hostname)
	switch {
	case len(in) == 0:
		return fail(fmt.Sprintf("%s is in no rule's domain_names: serverless cannot resolve broker %d", h, b.ID),
			fmt.Sprintf("re-apply (the module sets domain_names = [hostname] on broker %d's rule), or add %s to the domain_names of the rule for %s", b.ID, h, b.EndpointServiceName))
	case len(in) > 1:
		return fail(fmt.Sprintf("%s is in %d rules (%s): serverless resolves it to either endpoint", h, len(in), ruleList(in)),
			fmt.Sprintf("keep %s only in the rule for %s (broker %d's endpoint service) and remove it from the others", h, b.EndpointServiceName, b.ID))
	}
	r := in[0]
	if r.EndpointService != b.EndpointServiceName {
		whose := "no broker's service"
		if o, ok := serviceOwner[r.EndpointService]; ok {
			whose = fmt.Sprintf("broker %d's", o.ID)
		}
		return fail(fmt.Sprintf("%s is in rule %s, whose endpoint service %s is %s, not broker %d's %s: its clients land on the wrong NLB", h, ruleName(r), r.EndpointService, whose, b.ID, b.EndpointServiceName),
			fmt.Sprintf("move %s to the rule for %s (re-apply restores the module's rules)", h, b.EndpointServiceName))
	}
	return pass(fmt.Sprintf("%s in rule %s only, on %s", h, ruleName(r), r.EndpointService))
}

// bootstrapRuleFinding: a bootstrap hostname that is no broker's (an
// Express boot-… name) resolves in serverless only through a rule that
// carries it, and must carry it alone: two rules would resolve it to either.
func bootstrapRuleFinding(h string, in []tfoutputs.DatabricksRule, serviceOwner map[string]tfoutputs.Broker) finding.Finding {
	switch {
	case len(in) == 0:
		return fail(fmt.Sprintf("bootstrap hostname %s is no broker's hostname and in no rule's domain_names: serverless cannot resolve it, so clients bootstrapping from it fail", h),
			fmt.Sprintf("re-apply (the module gives each Express boot-… name to exactly one broker's rule), or add %s to the domain_names of one broker's rule", h))
	case len(in) > 1:
		return fail(fmt.Sprintf("bootstrap hostname %s is in %d rules (%s): serverless resolves it to either endpoint", h, len(in), ruleList(in)),
			fmt.Sprintf("keep %s in one broker's rule only and remove it from the others (re-apply restores the module's rules)", h))
	}
	r := in[0]
	o, ok := serviceOwner[r.EndpointService]
	if !ok {
		return fail(fmt.Sprintf("bootstrap hostname %s is in rule %s, whose endpoint service %s is no broker's: its clients reach no broker", h, ruleName(r), r.EndpointService),
			fmt.Sprintf("move %s to one broker's rule (re-apply restores the module's rules)", h))
	}
	return pass(fmt.Sprintf("bootstrap %s in rule %s only, on broker %d's %s", h, ruleName(r), o.ID, r.EndpointService))
}

// outputsPredateDomains reports outputs written before the rules carried
// endpoint_service and domain_names: nothing to check, rather than a
// failure on every broker.
func outputsPredateDomains(rules []tfoutputs.DatabricksRule) bool {
	for _, r := range rules {
		if r.EndpointService != "" || len(r.DomainNames) > 0 {
			return false
		}
	}
	return true
}

// normalHost compares hostnames as DNS does: case-insensitive, without a
// trailing dot or a port.
func normalHost(s string) string {
	s = strings.TrimSpace(s)
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

func ruleName(r tfoutputs.DatabricksRule) string {
	if r.RuleID != "" {
		return r.RuleID
	}
	return fmt.Sprintf("(broker %d's)", r.BrokerID)
}

func ruleList(rs []tfoutputs.DatabricksRule) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = ruleName(r)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

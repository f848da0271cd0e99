package controlplane

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// checkEndpointService: the endpoint service is Available and fronts this broker's NLB.
func (r *run) checkEndpointService(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	cctx, cancel := r.call(ctx)
	defer cancel()
	out, err := r.c.EC2.DescribeVpcEndpointServiceConfigurations(cctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{b.EndpointServiceID}})
	if err != nil {
		return failedCall(r.d.Region, wrapAPI("DescribeVpcEndpointServiceConfigurations", "ec2:DescribeVpcEndpointServiceConfigurations", b.EndpointServiceID, err))
	}
	if len(out.ServiceConfigurations) == 0 {
		return fail(fmt.Sprintf("endpoint service %s not found", b.EndpointServiceID),
			"run `terraform apply` to recreate it, then point the Databricks NCC private endpoint rule at the new service name")
	}
	sc := out.ServiceConfigurations[0]
	var problems []string
	next := ""
	switch sc.ServiceState {
	case ec2types.ServiceStateAvailable:
	case ec2types.ServiceStatePending:
		problems = append(problems, fmt.Sprintf("endpoint service %s is Pending", b.EndpointServiceID))
		next = fmt.Sprintf("wait until it is Available (`aws ec2 describe-vpc-endpoint-service-configurations --region %s --service-ids %s`), then re-run", r.d.Region, b.EndpointServiceID)
	default:
		problems = append(problems, fmt.Sprintf("endpoint service %s is %s", b.EndpointServiceID, sc.ServiceState))
		next = "run `terraform apply` to recreate it, then point the Databricks NCC private endpoint rule at the new service name"
	}
	if !contains(sc.NetworkLoadBalancerArns, b.NLBARN) {
		var names []string
		for _, a := range sc.NetworkLoadBalancerArns {
			names = append(names, shortName(a))
		}
		problems = append(problems, fmt.Sprintf("it fronts [%s], not broker %d's NLB %s", strings.Join(names, ", "), b.ID, shortName(b.NLBARN)))
		if next == "" {
			next = fmt.Sprintf("aws ec2 modify-vpc-endpoint-service-configuration --region %s --service-id %s --add-network-load-balancer-arns %s", r.d.Region, b.EndpointServiceID, b.NLBARN)
			if others := without(sc.NetworkLoadBalancerArns, b.NLBARN); len(others) > 0 {
				next += " --remove-network-load-balancer-arns " + strings.Join(others, " ")
			}
			next += " (or `terraform apply`)"
		}
	}
	if len(problems) > 0 {
		return fail(strings.Join(problems, "; "), next)
	}
	return pass(fmt.Sprintf("%s Available, fronts %s, acceptance required: %t", aws.ToString(sc.ServiceName), shortName(b.NLBARN), aws.ToBool(sc.AcceptanceRequired)))
}

// checkAllowedPrincipals: the endpoint service allows exactly the configured principals.
func (r *run) checkAllowedPrincipals(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	var got []string
	p := ec2.NewDescribeVpcEndpointServicePermissionsPaginator(r.c.EC2, &ec2.DescribeVpcEndpointServicePermissionsInput{ServiceId: aws.String(b.EndpointServiceID)})
	for p.HasMorePages() {
		cctx, cancel := r.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return failedCall(r.d.Region, wrapAPI("DescribeVpcEndpointServicePermissions", "ec2:DescribeVpcEndpointServicePermissions", b.EndpointServiceID, err))
		}
		for _, ap := range page.AllowedPrincipals {
			got = append(got, aws.ToString(ap.Principal))
		}
	}
	missing := without(r.o.AllowedPrincipals, got...)
	extra := without(got, r.o.AllowedPrincipals...)
	if len(missing) == 0 && len(extra) == 0 {
		if len(got) == 0 {
			return pass("no principals allowed, as configured")
		}
		return pass("allows " + strings.Join(sorted(got), ", "))
	}
	var problems []string
	cmd := fmt.Sprintf("aws ec2 modify-vpc-endpoint-service-permissions --region %s --service-id %s", r.d.Region, b.EndpointServiceID)
	if len(missing) > 0 {
		problems = append(problems, "not allowed: "+strings.Join(missing, ", "))
		cmd += " --add-allowed-principals " + strings.Join(missing, " ")
	}
	if len(extra) > 0 {
		problems = append(problems, "allowed but not configured: "+strings.Join(extra, ", "))
		cmd += " --remove-allowed-principals " + strings.Join(extra, " ")
	}
	return fail(fmt.Sprintf("endpoint service %s: %s", b.EndpointServiceID, strings.Join(problems, "; ")), cmd)
}

// checkEndpointConnections lists the endpoints connected to the service
// with their state; pending ones fail with the command that accepts them.
func (r *run) checkEndpointConnections(ctx context.Context, b tfoutputs.Broker) finding.Finding {
	var conns []ec2types.VpcEndpointConnection
	p := ec2.NewDescribeVpcEndpointConnectionsPaginator(r.c.EC2, &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []ec2types.Filter{{Name: aws.String("service-id"), Values: []string{b.EndpointServiceID}}},
	})
	for p.HasMorePages() {
		cctx, cancel := r.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return failedCall(r.d.Region, wrapAPI("DescribeVpcEndpointConnections", "ec2:DescribeVpcEndpointConnections", b.EndpointServiceID, err))
		}
		conns = append(conns, page.VpcEndpointConnections...)
	}
	if len(conns) == 0 {
		return pass(fmt.Sprintf("no endpoint connections yet: create the Databricks NCC private endpoint rule for %s", b.EndpointServiceName))
	}
	sort.Slice(conns, func(i, j int) bool {
		return aws.ToString(conns[i].VpcEndpointId) < aws.ToString(conns[j].VpcEndpointId)
	})
	var listed, pending, broken []string
	for _, c := range conns {
		id, state := aws.ToString(c.VpcEndpointId), string(c.VpcEndpointState)
		listed = append(listed, fmt.Sprintf("%s (account %s): %s", id, aws.ToString(c.VpcEndpointOwner), state))
		// EC2 spells these states in lower camel case on the wire
		// ("pendingAcceptance"), the SDK's enum in upper; compare folded.
		switch strings.ToLower(state) {
		case "pendingacceptance":
			pending = append(pending, id)
		case "rejected", "failed", "expired":
			broken = append(broken, fmt.Sprintf("ask account %s to delete %s and create a new endpoint to %s (Databricks: recreate the NCC private endpoint rule)",
				aws.ToString(c.VpcEndpointOwner), id, b.EndpointServiceName))
		}
	}
	detail := strings.Join(listed, "; ")
	if len(pending) == 0 && len(broken) == 0 {
		return pass(detail)
	}
	var steps []string
	if len(pending) > 0 {
		steps = append(steps, fmt.Sprintf("aws ec2 accept-vpc-endpoint-connections --region %s --service-id %s --vpc-endpoint-ids %s",
			r.d.Region, b.EndpointServiceID, strings.Join(pending, " ")))
	}
	steps = append(steps, broken...)
	return fail(detail, strings.Join(steps, "; "))
}

// ingressRules returns a security group's ingress rules, sorted by rule id.
func (r *run) ingressRules(ctx context.Context, sg string) ([]ec2types.SecurityGroupRule, error) {
	var rules []ec2types.SecurityGroupRule
	p := ec2.NewDescribeSecurityGroupRulesPaginator(r.c.EC2, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{sg}}},
	})
	for p.HasMorePages() {
		cctx, cancel := r.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return nil, wrapAPI("DescribeSecurityGroupRules", "ec2:DescribeSecurityGroupRules", sg, err)
		}
		for _, rule := range page.SecurityGroupRules {
			if !aws.ToBool(rule.IsEgress) && aws.ToString(rule.GroupId) == sg {
				rules = append(rules, rule)
			}
		}
	}
	sort.Slice(rules, func(i, j int) bool {
		return aws.ToString(rules[i].SecurityGroupRuleId) < aws.ToString(rules[j].SecurityGroupRuleId)
	})
	return rules, nil
}

func (r *run) revokeCmd(sg string, ids []string) string {
	return fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids %s", r.d.Region, sg, strings.Join(ids, " "))
}

// checkBrokerSG: the broker security group admits tcp/9098 from the NLB
// security group, and nothing else from anywhere else.
func (r *run) checkBrokerSG(ctx context.Context) finding.Finding {
	sg, nlbSG := r.d.BrokerSecurityGroupID, r.d.NLBSecurityGroupID
	f := func() finding.Finding {
		rules, err := r.ingressRules(ctx, sg)
		if err != nil {
			return failedCall(r.d.Region, err)
		}
		var fromNLB string
		var problems, revoke []string
		for _, rule := range rules {
			id := aws.ToString(rule.SecurityGroupRuleId)
			switch ref := referenced(rule); {
			case ref == nlbSG && exact9098(rule):
				fromNLB = id
			case ref == sg:
				// Self-reference: only the brokers' own ENIs, nothing from outside.
			default:
				problems = append(problems, fmt.Sprintf("rule %s admits %s from %s", id, ports(rule), source(rule)))
				revoke = append(revoke, id)
			}
		}
		var steps []string
		if fromNLB == "" {
			problems = append([]string{fmt.Sprintf("no rule admits tcp/%d from NLB security group %s", port, nlbSG)}, problems...)
			steps = append(steps, fmt.Sprintf("aws ec2 authorize-security-group-ingress --region %s --group-id %s --protocol tcp --port %d --source-group %s", r.d.Region, sg, port, nlbSG))
		}
		if len(revoke) > 0 {
			steps = append(steps, r.revokeCmd(sg, revoke))
		}
		if len(problems) > 0 {
			return fail(strings.Join(problems, "; "), strings.Join(steps, " && "))
		}
		return pass(fmt.Sprintf("ingress tcp/%d from %s only (rule %s)", port, nlbSG, fromNLB))
	}()
	f.Target = sg
	return f
}

// checkNLBSG: the NLB security group admits only tcp/9098 from the operator
// CIDRs (PrivateLink traffic is not filtered by it, so it needs no rule).
// Without configured operator CIDRs, any CIDR except the whole internet passes.
func (r *run) checkNLBSG(ctx context.Context) finding.Finding {
	sg := r.d.NLBSecurityGroupID
	f := func() finding.Finding {
		rules, err := r.ingressRules(ctx, sg)
		if err != nil {
			return failedCall(r.d.Region, err)
		}
		var allowed, problems, revoke []string
		for _, rule := range rules {
			id := aws.ToString(rule.SecurityGroupRuleId)
			if exact9098(rule) && r.operatorCIDR(aws.ToString(rule.CidrIpv4), aws.ToString(rule.CidrIpv6)) {
				allowed = append(allowed, source(rule))
				continue
			}
			problems = append(problems, fmt.Sprintf("rule %s admits %s from %s", id, ports(rule), source(rule)))
			revoke = append(revoke, id)
		}
		if len(problems) > 0 {
			return fail(strings.Join(problems, "; "), r.revokeCmd(sg, revoke))
		}
		if len(allowed) == 0 {
			return pass("no ingress rules (PrivateLink traffic is not filtered by this group)")
		}
		return pass(fmt.Sprintf("ingress tcp/%d from %s only", port, strings.Join(allowed, ", ")))
	}()
	f.Target = sg
	return f
}

func referenced(rule ec2types.SecurityGroupRule) string {
	if rule.ReferencedGroupInfo == nil {
		return ""
	}
	return aws.ToString(rule.ReferencedGroupInfo.GroupId)
}

func exact9098(rule ec2types.SecurityGroupRule) bool {
	return isTCP(rule) && aws.ToInt32(rule.FromPort) == port && aws.ToInt32(rule.ToPort) == port
}

func isTCP(r ec2types.SecurityGroupRule) bool {
	p := aws.ToString(r.IpProtocol)
	return p == "tcp" || p == "6"
}

func ports(r ec2types.SecurityGroupRule) string {
	proto := aws.ToString(r.IpProtocol)
	if proto == "-1" {
		return "all traffic"
	}
	from, to := aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort)
	switch {
	case from == -1 || (from == 0 && to == 65535):
		return proto + "/all ports"
	case from == to:
		return fmt.Sprintf("%s/%d", proto, from)
	}
	return fmt.Sprintf("%s/%d-%d", proto, from, to)
}

func source(r ec2types.SecurityGroupRule) string {
	switch {
	case aws.ToString(r.CidrIpv4) != "":
		return aws.ToString(r.CidrIpv4)
	case aws.ToString(r.CidrIpv6) != "":
		return aws.ToString(r.CidrIpv6)
	case aws.ToString(r.PrefixListId) != "":
		return "prefix list " + aws.ToString(r.PrefixListId)
	case r.ReferencedGroupInfo != nil:
		return "security group " + aws.ToString(r.ReferencedGroupInfo.GroupId)
	}
	return "an unknown source"
}

// operatorCIDR reports whether a rule's CIDR lies inside one of the
// operator CIDRs; with none configured, whether it is narrower than the
// whole internet.
func (r *run) operatorCIDR(v4, v6 string) bool {
	c := v4
	if c == "" {
		c = v6
	}
	if c == "" {
		return false
	}
	rule, err := netip.ParsePrefix(c)
	if err != nil {
		return false
	}
	if r.o.OperatorCIDRs == nil {
		return rule.Bits() > 0
	}
	for _, s := range r.o.OperatorCIDRs {
		op, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		if op.Addr().Is4() == rule.Addr().Is4() && op.Bits() <= rule.Bits() && op.Contains(rule.Addr()) {
			return true
		}
	}
	return false
}

// without returns the elements of list not in drop, sorted.
func without(list []string, drop ...string) []string {
	var out []string
	for _, v := range list {
		if !contains(drop, v) && !contains(out, v) {
			out = append(out, v)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

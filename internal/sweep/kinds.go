package sweep

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
)

// Kind is a resource type the sweeper knows how to delete.
type Kind string

// Kinds in deletion order: each only after everything that can depend on it.
const (
	KindLambdaFunction     Kind = "lambda-function"
	KindVPCEndpoint        Kind = "vpc-endpoint"
	KindEndpointService    Kind = "vpc-endpoint-service"
	KindLoadBalancer       Kind = "load-balancer"
	KindTargetGroup        Kind = "target-group"
	KindKafkaCluster       Kind = "msk-cluster"
	KindKafkaConfiguration Kind = "msk-configuration"
	KindLogGroup           Kind = "log-group"
	KindHostedZone         Kind = "hosted-zone"
	KindIAMRole            Kind = "iam-role"
	KindSecurityGroup      Kind = "security-group"
	KindSubnet             Kind = "subnet"
	KindVPC                Kind = "vpc"
	KindUnknown            Kind = "unknown"
)

var deletionOrder = []Kind{
	KindLambdaFunction, KindVPCEndpoint, KindEndpointService, KindLoadBalancer, KindTargetGroup,
	KindKafkaCluster, KindKafkaConfiguration, KindLogGroup, KindHostedZone, KindIAMRole,
	KindSecurityGroup, KindSubnet, KindVPC,
}

func (k Kind) order() int {
	for i, o := range deletionOrder {
		if o == k {
			return i
		}
	}
	return len(deletionOrder)
}

// ParseARN maps an ARN to the kind of resource and the identifier its
// service's delete call takes.
func ParseARN(arn string) (Kind, string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return KindUnknown, arn
	}
	service, res := parts[2], parts[5]
	typ, rest, _ := strings.Cut(res, "/")
	switch service {
	case "lambda":
		if name, ok := strings.CutPrefix(res, "function:"); ok {
			name, _, _ = strings.Cut(name, ":") // drop a version or alias qualifier
			return KindLambdaFunction, name
		}
	case "ec2":
		switch typ {
		case "vpc-endpoint":
			return KindVPCEndpoint, rest
		case "vpc-endpoint-service":
			return KindEndpointService, rest
		case "security-group":
			return KindSecurityGroup, rest
		case "subnet":
			return KindSubnet, rest
		case "vpc":
			return KindVPC, rest
		}
	case "elasticloadbalancing":
		switch typ {
		case "loadbalancer":
			return KindLoadBalancer, arn
		case "targetgroup":
			return KindTargetGroup, arn
		}
	case "kafka":
		switch typ {
		case "cluster":
			return KindKafkaCluster, arn
		case "configuration":
			return KindKafkaConfiguration, arn
		}
	case "logs":
		if name, ok := strings.CutPrefix(res, "log-group:"); ok {
			return KindLogGroup, strings.TrimSuffix(name, ":*")
		}
	case "route53":
		if typ == "hostedzone" {
			return KindHostedZone, rest
		}
	case "iam":
		if typ == "role" {
			return KindIAMRole, rest[strings.LastIndex(rest, "/")+1:]
		}
	}
	return KindUnknown, arn
}

// itemError is one item of a batch delete that failed, with its code (so
// a NotFound counts as done).
type itemError struct{ code, msg string }

func (e *itemError) Error() string                 { return e.msg }
func (e *itemError) ErrorCode() string             { return e.code }
func (e *itemError) ErrorMessage() string          { return e.msg }
func (e *itemError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// dependencyError marks a refusal because something still depends on the resource.
type dependencyError struct{ msg string }

func (e *dependencyError) Error() string        { return e.msg }
func (e *dependencyError) ErrorCode() string    { return "DependencyViolation" }
func (e *dependencyError) ErrorMessage() string { return e.msg }
func (e *dependencyError) ErrorFault() smithy.ErrorFault {
	return smithy.FaultClient
}

// deleter deletes one resource at a time; sweptGroups are the security
// groups this sweep deletes (references among them do not hold a group).
type deleter struct {
	c           Clients
	sweptGroups map[string]bool
}

func (d deleter) delete(ctx context.Context, r Resource) error {
	c := d.c
	switch r.Kind {
	case KindLambdaFunction:
		_, err := c.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(r.ID)})
		return err
	case KindVPCEndpoint:
		out, err := c.EC2.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{r.ID}})
		if err != nil {
			return err
		}
		return unsuccessful(out.Unsuccessful)
	case KindEndpointService:
		out, err := c.EC2.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{r.ID}})
		if err != nil {
			return err
		}
		return unsuccessful(out.Unsuccessful)
	case KindLoadBalancer:
		_, err := c.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(r.ID)})
		return err
	case KindTargetGroup:
		_, err := c.ELB.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(r.ID)})
		return err
	case KindKafkaCluster:
		_, err := c.Kafka.DeleteCluster(ctx, &kafka.DeleteClusterInput{ClusterArn: aws.String(r.ID)})
		return err
	case KindKafkaConfiguration:
		_, err := c.Kafka.DeleteConfiguration(ctx, &kafka.DeleteConfigurationInput{Arn: aws.String(r.ID)})
		return err
	case KindLogGroup:
		_, err := c.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(r.ID)})
		return err
	case KindHostedZone:
		return deleteHostedZone(ctx, c.Route53, r.ID)
	case KindIAMRole:
		return deleteRole(ctx, c.IAM, r.ID)
	case KindSecurityGroup:
		return deleteSecurityGroup(ctx, c.EC2, r.ID, d.sweptGroups)
	case KindSubnet:
		_, err := c.EC2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(r.ID)})
		return err
	case KindVPC:
		_, err := c.EC2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(r.ID)})
		return err
	}
	return fmt.Errorf("no deleter for %s", r.Kind)
}

func unsuccessful(items []ec2types.UnsuccessfulItem) error {
	for _, it := range items {
		if it.Error == nil {
			continue
		}
		code := aws.ToString(it.Error.Code)
		msg := fmt.Sprintf("%s: %s: %s", aws.ToString(it.ResourceId), code, aws.ToString(it.Error.Message))
		if strings.Contains(code, "Existing") || strings.Contains(code, "InUse") {
			return &dependencyError{msg}
		}
		return &itemError{code, msg}
	}
	return nil
}

// deleteHostedZone empties a zone (all but its SOA and NS records) and deletes it.
func deleteHostedZone(ctx context.Context, c *route53.Client, id string) error {
	var changes []r53types.Change
	sets := route53.NewListResourceRecordSetsPaginator(c, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
	for sets.HasMorePages() {
		page, err := sets.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, rs := range page.ResourceRecordSets {
			if rs.Type == r53types.RRTypeSoa || rs.Type == r53types.RRTypeNs {
				continue
			}
			changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
		}
	}
	// A change batch holds at most 1,000 changes.
	for len(changes) > 0 {
		n := min(len(changes), 500)
		if _, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(id),
			ChangeBatch:  &r53types.ChangeBatch{Changes: changes[:n], Comment: aws.String("mskvpce e2e sweep")},
		}); err != nil {
			return err
		}
		changes = changes[n:]
	}
	_, err := c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(id)})
	return err
}

// roleTags are a role's tags, every page of them.
func roleTags(ctx context.Context, c *iam.Client, name string) (map[string]string, error) {
	tags := map[string]string{}
	pages := iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if isNotFound(err) {
				return tags, nil // deleted since ListRoles
			}
			return nil, fmt.Errorf("list the tags of IAM role %s (iam:ListRoleTags): %w", name, err)
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// deleteRole deletes a role whole: it lists everything first, refuses
// (untouched) a role still in an instance profile, then removes the inline
// and attached policies and the role.
func deleteRole(ctx context.Context, c *iam.Client, name string) error {
	var profiles []string
	pp := iam.NewListInstanceProfilesForRolePaginator(c, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(name)})
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, ip := range page.InstanceProfiles {
			profiles = append(profiles, aws.ToString(ip.InstanceProfileName))
		}
	}
	if len(profiles) > 0 {
		return &dependencyError{fmt.Sprintf("role %s is in instance profile(s) %s: left untouched; remove it (aws iam remove-role-from-instance-profile) or delete the profile", name, strings.Join(profiles, ", "))}
	}
	var inline []string
	ip := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			return err
		}
		inline = append(inline, page.PolicyNames...)
	}
	var attached []string
	ap := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, p := range page.AttachedPolicies {
			attached = append(attached, aws.ToString(p.PolicyArn))
		}
	}
	for _, p := range inline {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, p := range attached {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil && !isNotFound(err) {
			return err
		}
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	return err
}

// defaultGroups are the groups among ids named "default" (a VPC's own).
func defaultGroups(ctx context.Context, c Clients, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	pages := ec2.NewDescribeSecurityGroupsPaginator(c.EC2, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: ids}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the tagged security groups (ec2:DescribeSecurityGroups): %w", err)
		}
		for _, g := range page.SecurityGroups {
			if aws.ToString(g.GroupName) == "default" {
				out[aws.ToString(g.GroupId)] = true
			}
		}
	}
	return out, nil
}

// deleteSecurityGroup deletes a group whole. It first checks what holds it:
// a network interface (a Lambda's or a cluster's, still draining) or a group
// this sweep does not delete referencing it; either leaves it untouched.
// Then it revokes the group's own rules (groups of one stack reference each
// other) and deletes it.
func deleteSecurityGroup(ctx context.Context, c *ec2.Client, id string, swept map[string]bool) error {
	enis := ec2.NewDescribeNetworkInterfacesPaginator(c, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{id}}},
	})
	for enis.HasMorePages() {
		page, err := enis.NextPage(ctx)
		if err != nil {
			return err
		}
		if len(page.NetworkInterfaces) > 0 {
			return &dependencyError{fmt.Sprintf("security group %s is in use by network interface %s: left untouched", id, aws.ToString(page.NetworkInterfaces[0].NetworkInterfaceId))}
		}
	}
	for _, filter := range []string{"ip-permission.group-id", "egress.ip-permission.group-id"} {
		refs := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{{Name: aws.String(filter), Values: []string{id}}},
		})
		for refs.HasMorePages() {
			page, err := refs.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, g := range page.SecurityGroups {
				if ref := aws.ToString(g.GroupId); ref != id && !swept[ref] {
					return &dependencyError{fmt.Sprintf("security group %s is referenced by %s, which this sweep does not delete: left untouched", id, ref)}
				}
			}
		}
	}
	var ingress, egress []string
	rules := ec2.NewDescribeSecurityGroupRulesPaginator(c, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{id}}},
	})
	for rules.HasMorePages() {
		page, err := rules.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range page.SecurityGroupRules {
			if aws.ToBool(r.IsEgress) {
				egress = append(egress, aws.ToString(r.SecurityGroupRuleId))
			} else {
				ingress = append(ingress, aws.ToString(r.SecurityGroupRuleId))
			}
		}
	}
	if len(ingress) > 0 {
		if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), SecurityGroupRuleIds: ingress}); err != nil {
			return err
		}
	}
	if len(egress) > 0 {
		if _, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(id), SecurityGroupRuleIds: egress}); err != nil {
			return err
		}
	}
	_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	return err
}

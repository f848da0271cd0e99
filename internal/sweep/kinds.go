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

// dependencyError marks a refusal because something still depends on the resource.
type dependencyError struct{ msg string }

func (e *dependencyError) Error() string        { return e.msg }
func (e *dependencyError) ErrorCode() string    { return "DependencyViolation" }
func (e *dependencyError) ErrorMessage() string { return e.msg }
func (e *dependencyError) ErrorFault() smithy.ErrorFault {
	return smithy.FaultClient
}

func deleteOne(ctx context.Context, c Clients, r Resource) error {
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
		return deleteSecurityGroup(ctx, c.EC2, r.ID)
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
		msg := fmt.Sprintf("%s: %s: %s", aws.ToString(it.ResourceId), aws.ToString(it.Error.Code), aws.ToString(it.Error.Message))
		if strings.Contains(aws.ToString(it.Error.Code), "Existing") || strings.Contains(aws.ToString(it.Error.Code), "InUse") {
			return &dependencyError{msg}
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// deleteHostedZone empties a zone (all but its SOA and NS records) and deletes it.
func deleteHostedZone(ctx context.Context, c *route53.Client, id string) error {
	sets, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
	if err != nil {
		return err
	}
	var changes []r53types.Change
	for _, rs := range sets.ResourceRecordSets {
		if rs.Type == r53types.RRTypeSoa || rs.Type == r53types.RRTypeNs {
			continue
		}
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
	}
	if len(changes) > 0 {
		if _, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(id),
			ChangeBatch:  &r53types.ChangeBatch{Changes: changes, Comment: aws.String("mskvpce e2e sweep")},
		}); err != nil {
			return err
		}
	}
	_, err = c.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(id)})
	return err
}

// deleteRole removes a role's inline and attached policies, then the role.
func deleteRole(ctx context.Context, c *iam.Client, name string) error {
	inline, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	for _, p := range inline.PolicyNames {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			return err
		}
	}
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	for _, p := range attached.AttachedPolicies {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: p.PolicyArn}); err != nil {
			return err
		}
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
	return err
}

// deleteSecurityGroup revokes the group's own rules first: groups of one
// stack reference each other, and a referenced group cannot be deleted.
func deleteSecurityGroup(ctx context.Context, c *ec2.Client, id string) error {
	rules, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{id}}},
	})
	if err != nil {
		return err
	}
	var ingress, egress []string
	for _, r := range rules.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			egress = append(egress, aws.ToString(r.SecurityGroupRuleId))
		} else {
			ingress = append(ingress, aws.ToString(r.SecurityGroupRuleId))
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
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	return err
}

package sweep

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// Kind is a resource type the sweeper knows how to delete.
type Kind string

// Kinds in deletion order: each only after everything that can depend on it.
const (
	// The schedule goes first, so it stops invoking the function.
	KindEventRule          Kind = "eventbridge-rule"
	KindLambdaFunction     Kind = "lambda-function"
	KindVPCEndpoint        Kind = "vpc-endpoint"
	KindEndpointService    Kind = "vpc-endpoint-service"
	KindLoadBalancer       Kind = "load-balancer"
	KindTargetGroup        Kind = "target-group"
	KindKafkaCluster       Kind = "msk-cluster"
	KindKafkaConfiguration Kind = "msk-configuration"
	KindLogGroup           Kind = "log-group"
	KindAlarm              Kind = "cloudwatch-alarm"
	// The topic after its alarms, the key after the topic it encrypts.
	KindSNSTopic   Kind = "sns-topic"
	KindKMSKey     Kind = "kms-key"
	KindHostedZone Kind = "hosted-zone"
	KindIAMRole    Kind = "iam-role"
	// KindSecurityGroupRule is a tagged rule in a group the sweep does not
	// delete (the 9098 rule examples/existing-cluster adds to an existing
	// cluster's group): that rule is revoked, nothing else of the group is
	// touched. A rule in a group the sweep deletes goes with its group.
	KindSecurityGroupRule Kind = "security-group-rule"
	KindSecurityGroup     Kind = "security-group"
	KindSubnet            Kind = "subnet"
	KindVPC               Kind = "vpc"
	KindUnknown           Kind = "unknown"
	// KindPart is a resource deleted with its parent (a listener with its
	// load balancer, a security group rule with its group): never planned.
	KindPart Kind = "part"
)

var deletionOrder = []Kind{
	KindEventRule, KindLambdaFunction, KindVPCEndpoint, KindEndpointService, KindLoadBalancer, KindTargetGroup,
	KindKafkaCluster, KindKafkaConfiguration, KindLogGroup, KindAlarm, KindSNSTopic, KindKMSKey, KindHostedZone, KindIAMRole,
	// A rule first: it may reference a group of the sweep (the NLBs'),
	// which EC2 refuses to delete while referenced.
	KindSecurityGroupRule, KindSecurityGroup, KindSubnet, KindVPC,
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
		case "security-group-rule":
			return KindSecurityGroupRule, rest
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
		case "listener", "listener-rule":
			return KindPart, arn
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
	case "events":
		// rule/<name> on the default bus, rule/<bus>/<name> on another.
		if typ == "rule" {
			return KindEventRule, rest
		}
	case "cloudwatch":
		if name, ok := strings.CutPrefix(res, "alarm:"); ok {
			return KindAlarm, name
		}
	case "sns":
		if res != "" && !strings.Contains(res, ":") {
			return KindSNSTopic, arn
		}
	case "kms":
		if typ == "key" {
			return KindKMSKey, rest
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
	case KindEventRule:
		return deleteRule(ctx, c.Events, r.ID)
	case KindAlarm:
		_, err := c.CloudWatch.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{r.ID}})
		return err
	case KindSNSTopic:
		// Subscriptions go with the topic.
		_, err := c.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(r.ID)})
		return err
	case KindKMSKey:
		return scheduleKeyDeletion(ctx, c.KMS, r.ID)
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
	case KindSecurityGroupRule:
		return revokeRule(ctx, c.EC2, r.ID)
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

// describeRule reads one security group rule: its group and direction.
func describeRule(ctx context.Context, c *ec2.Client, id string) (ec2types.SecurityGroupRule, error) {
	out, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{id}})
	if err != nil {
		return ec2types.SecurityGroupRule{}, err
	}
	for _, r := range out.SecurityGroupRules {
		if aws.ToString(r.SecurityGroupRuleId) == id {
			return r, nil
		}
	}
	return ec2types.SecurityGroupRule{}, &itemError{"InvalidSecurityGroupRuleId.NotFound", "security group rule " + id + " not found"}
}

// revokeRule revokes exactly one rule, by its id, in its group.
func revokeRule(ctx context.Context, c *ec2.Client, id string) error {
	r, err := describeRule(ctx, c, id)
	if err != nil {
		return err
	}
	if aws.ToBool(r.IsEgress) {
		_, err = c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: r.GroupId, SecurityGroupRuleIds: []string{id}})
	} else {
		_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: r.GroupId, SecurityGroupRuleIds: []string{id}})
	}
	return err
}

// deleteRule removes an EventBridge rule's targets, every page of them,
// then the rule: EventBridge refuses to delete a rule that still has targets.
func deleteRule(ctx context.Context, c *eventbridge.Client, id string) error {
	name, bus := id, (*string)(nil)
	if i := strings.LastIndex(id, "/"); i >= 0 {
		name, bus = id[i+1:], aws.String(id[:i])
	}
	var targets []string
	var token *string
	for {
		page, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(name), EventBusName: bus, NextToken: token})
		if err != nil {
			return err
		}
		for _, t := range page.Targets {
			targets = append(targets, aws.ToString(t.Id))
		}
		if token = page.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	// RemoveTargets takes at most 10 IDs a call.
	for len(targets) > 0 {
		n := min(len(targets), 10)
		out, err := c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), EventBusName: bus, Ids: targets[:n]})
		if err != nil {
			return err
		}
		if out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
			fe := out.FailedEntries[0]
			return &itemError{aws.ToString(fe.ErrorCode), fmt.Sprintf("rule %s: remove target %s: %s: %s", id, aws.ToString(fe.TargetId), aws.ToString(fe.ErrorCode), aws.ToString(fe.ErrorMessage))}
		}
		targets = targets[n:]
	}
	_, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: bus})
	return err
}

// KMSPendingWindowDays is the waiting period of a swept key: KMS never
// deletes a key at once, and 7 days is its minimum.
const KMSPendingWindowDays = 7

// scheduledError reports a KMS key scheduled for deletion (now or by an
// earlier sweep): swept, not left.
type scheduledError struct{ msg string }

func (e *scheduledError) Error() string { return e.msg }

// scheduleKeyDeletion schedules a customer managed key's deletion. A key
// already pending deletion counts as swept.
func scheduleKeyDeletion(ctx context.Context, c *kms.Client, id string) error {
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		return err
	}
	md := d.KeyMetadata
	switch {
	case md == nil:
		return fmt.Errorf("kms key %s: DescribeKey returned no metadata", id)
	case md.KeyManager == kmstypes.KeyManagerTypeAws:
		return &itemError{"AWSManagedKey", fmt.Sprintf("kms key %s is AWS managed: KMS deletes it, not the sweeper", id)}
	case md.KeyState == kmstypes.KeyStatePendingDeletion || md.KeyState == kmstypes.KeyStatePendingReplicaDeletion:
		return &scheduledError{fmt.Sprintf("pending deletion on %s", aws.ToTime(md.DeletionDate).UTC().Format(time.RFC3339))}
	}
	out, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(KMSPendingWindowDays)})
	if err != nil {
		return err
	}
	return &scheduledError{fmt.Sprintf("pending deletion on %s", aws.ToTime(out.DeletionDate).UTC().Format(time.RFC3339))}
}

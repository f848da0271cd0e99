package test

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// policyDoc is the part of an IAM policy document the checks read. Action
// and Resource may be a string or a list.
type policyDoc struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string]any
		Action    json.RawMessage
		Resource  json.RawMessage
		Condition map[string]map[string]any
	}
}

func stringOrList(t *testing.T, raw json.RawMessage, what string) []string {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		t.Fatalf("%s: neither a string nor a list of strings: %s", what, raw)
	}
	return many
}

func readPolicy(t *testing.T, name string) policyDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", ".github", "e2e-ci-role", name))
	if err != nil {
		t.Fatal(err)
	}
	var p policyDoc
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("%s: Version %q, want 2012-10-17 (the older version has no policy variables)", name, p.Version)
	}
	return p
}

// reAction is service:Action, the action an optional trailing wildcard.
var reAction = regexp.MustCompile(`^[a-z0-9-]+:[A-Z][A-Za-z0-9]*\*?$`)

// e2eActions is what each AWS resource type the e2e's configurations declare
// needs at least: create, read, delete. A type missing here fails the test, so
// adding one to the Terraform means granting it.
var e2eActions = map[string][]string{
	"aws_availability_zones":                  {"ec2:DescribeAvailabilityZones"},
	"aws_appautoscaling_target":               {"application-autoscaling:RegisterScalableTarget", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:TagResource", "application-autoscaling:ListTagsForResource"},
	"aws_appautoscaling_policy":               {"application-autoscaling:PutScalingPolicy", "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:DeleteScalingPolicy"},
	"aws_resourcegroupstaggingapi_resources":  {"tag:GetResources"},
	"aws_vpc_security_group_rules":            {"ec2:DescribeSecurityGroupRules"},
	"aws_vpc_security_group_rule":             {"ec2:DescribeSecurityGroupRules"},
	"aws_caller_identity":                     {"sts:GetCallerIdentity"},
	"aws_partition":                           nil,
	"aws_region":                              nil,
	"aws_msk_broker_nodes":                    {"kafka:ListNodes"},
	"aws_vpc_endpoint_service":                {"ec2:DescribeVpcEndpointServices", "ec2:CreateVpcEndpointServiceConfiguration", "ec2:DeleteVpcEndpointServiceConfigurations", "ec2:ModifyVpcEndpointServicePermissions"},
	"aws_cloudwatch_log_group":                {"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DescribeLogGroups"},
	"aws_cloudwatch_event_rule":               {"events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:TagResource", "events:ListTagsForResource"},
	"aws_cloudwatch_event_target":             {"events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule"},
	"aws_cloudwatch_metric_alarm":             {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:ListTagsForResource"},
	"aws_kms_key":                             {"kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ListResourceTags", "kms:TagResource", "kms:ScheduleKeyDeletion"},
	"aws_lambda_function_event_invoke_config": {"lambda:PutFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig"},
	"aws_lambda_permission":                   {"lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"},
	"aws_sns_topic":                           {"sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:ListTagsForResource"},
	"aws_default_security_group":              {"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroups"},
	"aws_iam_role":                            {"iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"},
	"aws_iam_role_policy":                     {"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"},
	"aws_iam_role_policy_attachment":          {"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
	"aws_lambda_function":                     {"lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:InvokeFunction", "iam:PassRole", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"},
	"aws_lb":                                  {"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DescribeLoadBalancers", "iam:CreateServiceLinkedRole"},
	"aws_lb_listener":                         {"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener"},
	"aws_lb_target_group":                     {"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup"},
	"aws_lb_target_group_attachment":          {"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
	"aws_msk_cluster":                         {"kafka:CreateClusterV2", "kafka:DeleteCluster", "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers", "kafka:TagResource", "iam:CreateServiceLinkedRole", "logs:CreateLogDelivery"},
	"aws_msk_configuration":                   {"kafka:CreateConfiguration", "kafka:DeleteConfiguration", "kafka:DescribeConfiguration", "kafka:ListConfigurations"},
	"aws_route53_record":                      {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange"},
	"aws_route53_zone":                        {"route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:GetHostedZone", "route53:ListHostedZones"},
	"aws_security_group":                      {"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups"},
	"aws_subnet":                              {"ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:DescribeSubnets"},
	"aws_vpc":                                 {"ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:DescribeVpcs", "ec2:CreateTags"},
	"aws_vpc_endpoint":                        {"ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:DescribeVpcEndpoints"},
	"aws_vpc_endpoint_connection_accepter":    {"ec2:AcceptVpcEndpointConnections", "ec2:DescribeVpcEndpointConnections"},
	"aws_vpc_security_group_egress_rule":      {"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules"},
	"aws_vpc_security_group_ingress_rule":     {"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules"},
}

// sweeperActions are the calls cmd/e2e-cleanup makes.
var sweeperActions = []string{
	"tag:GetResources", "iam:ListRoles", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:DeleteRolePolicy",
	"iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:ListInstanceProfilesForRole", "iam:DeleteRole",
	"kafka:ListConfigurations", "kafka:DeleteConfiguration", "kafka:DeleteCluster", "kafka:DescribeClusterV2",
	"ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces", "ec2:DeleteVpcEndpoints",
	"ec2:DeleteVpcEndpointServiceConfigurations", "lambda:DeleteFunction", "logs:DeleteLogGroup",
	"route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:DeleteHostedZone",
	"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup",
	"ec2:DeleteSubnet", "ec2:DeleteVpc", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
	// The verify canary's schedule, alarms, topic and the topic's key.
	"events:ListTargetsByRule", "events:RemoveTargets", "events:DeleteRule", "cloudwatch:DeleteAlarms",
	"sns:DeleteTopic", "kms:DescribeKey", "kms:ScheduleKeyDeletion",
}

var reTFType = regexp.MustCompile(`(?m)^(?:resource|data)\s+"(aws_[a-z0-9_]+)"`)

// e2eRoots are the configurations the AWS e2e applies: the example with the
// modules it enables (enable_databricks stays off; consumerVars turns on
// enable_verify_canary with its schedule, alarms and topic, and
// enable_broker_healer). A module the e2e turns on belongs here.
var e2eRoots = []string{
	"../terraform/examples/complete",
	"../terraform/modules/msk-vpce",
	"../terraform/modules/msk-privatelink",
	"../terraform/modules/msk-access-policy",
	"../terraform/modules/verify-canary",
	"../terraform/modules/broker-healer",
}

// e2eResourceTypes are the AWS types the e2e's Terraform declares.
func e2eResourceTypes(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, root := range e2eRoots {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != root {
				return filepath.SkipDir // tests/, .terraform/: not what the e2e applies
			}
			if d.IsDir() || !strings.HasSuffix(p, ".tf") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range reTFType.FindAllStringSubmatch(string(b), -1) {
				seen[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCIRolePolicies(t *testing.T) {
	t.Parallel()
	trust := readPolicy(t, "trust-policy.json")
	if len(trust.Statement) == 0 {
		t.Fatal("trust-policy.json has no statement")
	}
	for _, s := range trust.Statement {
		if got := stringOrList(t, s.Action, "trust Action"); len(got) != 1 || got[0] != "sts:AssumeRoleWithWebIdentity" {
			t.Errorf("trust statement %q: Action %v, want sts:AssumeRoleWithWebIdentity", s.Sid, got)
		}
		fed, _ := s.Principal["Federated"].(string)
		if !strings.HasSuffix(fed, ":oidc-provider/token.actions.githubusercontent.com") {
			t.Errorf("trust statement %q: Federated %q is not GitHub's OIDC provider", s.Sid, fed)
		}
		eq := s.Condition["StringEquals"]
		if eq["token.actions.githubusercontent.com:aud"] != "sts.amazonaws.com" {
			t.Errorf("trust statement %q: aud condition %v, want sts.amazonaws.com", s.Sid, eq["token.actions.githubusercontent.com:aud"])
		}
		if sub, _ := eq["token.actions.githubusercontent.com:sub"].(string); !strings.HasPrefix(sub, "repo:") || strings.Contains(sub, "*") {
			t.Errorf("trust statement %q: sub %q must name one repository and ref exactly (StringEquals, no wildcard): any repository could assume it otherwise", s.Sid, sub)
		}
	}

	perms := readPolicy(t, "permissions-policy.json")
	var allowed []string
	for _, s := range perms.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %q: Effect %q; this policy only grants", s.Sid, s.Effect)
		}
		if len(stringOrList(t, s.Resource, s.Sid+" Resource")) == 0 {
			t.Errorf("statement %q has no Resource", s.Sid)
		}
		for _, a := range stringOrList(t, s.Action, s.Sid+" Action") {
			if !reAction.MatchString(a) {
				t.Errorf("statement %q: action %q is not service:Action", s.Sid, a)
			}
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("statement %q: %q grants a whole service", s.Sid, a)
			}
			allowed = append(allowed, a)
		}
	}
	grants := func(action string) bool {
		for _, a := range allowed {
			if ok, _ := path.Match(strings.ToLower(a), strings.ToLower(action)); ok {
				return true
			}
		}
		return false
	}
	for _, typ := range e2eResourceTypes(t) {
		need, ok := e2eActions[typ]
		if !ok {
			t.Errorf("the e2e declares %s, which e2eActions does not list: add its actions here and to .github/e2e-ci-role/permissions-policy.json", typ)
		}
		for _, a := range need {
			if !grants(a) {
				t.Errorf("%s needs %s, which permissions-policy.json does not grant", typ, a)
			}
		}
	}
	for _, a := range sweeperActions {
		if !grants(a) {
			t.Errorf("e2e-cleanup calls %s, which permissions-policy.json does not grant", a)
		}
	}
}

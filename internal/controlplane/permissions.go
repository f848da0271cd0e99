package controlplane

import (
	"encoding/json"
	"sort"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// RequiredActions lists, per check, the read-only IAM actions it calls.
// CheckRuleDomains reads the outputs alone and needs none.
var RequiredActions = map[string][]string{
	CheckRuleDomains:         nil,
	CheckNLBTarget:           {"kafka:ListNodes", "elasticloadbalancing:DescribeTargetHealth"},
	CheckTargetHealth:        {"elasticloadbalancing:DescribeTargetHealth", "kafka:ListNodes"},
	CheckListener:            {"elasticloadbalancing:DescribeListeners"},
	CheckCrossZone:           {"elasticloadbalancing:DescribeLoadBalancerAttributes"},
	CheckEndpointService:     {"ec2:DescribeVpcEndpointServiceConfigurations"},
	CheckAllowedPrincipals:   {"ec2:DescribeVpcEndpointServicePermissions"},
	CheckEndpointConnections: {"ec2:DescribeVpcEndpointConnections"},
	CheckBrokerSG:            {"ec2:DescribeSecurityGroupRules"},
	CheckNLBSG:               {"ec2:DescribeSecurityGroupRules"},
	CheckTrustPolicy:         {"iam:GetRole"},
}

// IAMPolicy renders the least-privilege identity policy that lets a caller
// run every check against d: the EC2 and ELBv2 Describe actions (which take
// no resource-level scoping), ListNodes on the cluster, GetRole on the
// Databricks role.
func IAMPolicy(d tfoutputs.Deployment) string {
	var describe []string
	seen := map[string]bool{}
	for _, actions := range RequiredActions {
		for _, a := range actions {
			if seen[a] || a == "kafka:ListNodes" || a == "iam:GetRole" {
				continue
			}
			seen[a] = true
			describe = append(describe, a)
		}
	}
	sort.Strings(describe)
	type stmt struct {
		Sid      string   `json:"Sid"`
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource string   `json:"Resource"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{
		Version: "2012-10-17",
		Statement: []stmt{
			{Sid: "DescribeNetworkPath", Effect: "Allow", Action: describe, Resource: "*"},
			{Sid: "ListBrokerNodes", Effect: "Allow", Action: []string{"kafka:ListNodes"}, Resource: d.ClusterARN},
			{Sid: "ReadDatabricksRole", Effect: "Allow", Action: []string{"iam:GetRole"}, Resource: d.RoleARN},
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b)
}

package controlplane_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// runAgainst serves the healthy state of d, changed by drift, and runs the checks against it.
func runAgainst(t *testing.T, d tfoutputs.Deployment, drift func(*awsfake.State), o controlplane.Options) ([]finding.Finding, *awsfake.Server) {
	t.Helper()
	st := awsfake.Healthy(d)
	if drift != nil {
		drift(st)
	}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	return controlplane.Run(context.Background(), controlplane.NewClients(srv.Config()), d, o), srv
}

func key(f finding.Finding) string { return f.Check + " / " + f.Target }

func TestHealthyDeploymentAllOK(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	got, srv := runAgainst(t, d, nil, controlplane.Options{})

	if want := 8*len(d.Brokers) + 3; len(got) != want {
		t.Fatalf("got %d findings, want %d (8 per broker + broker-sg + nlb-sg + trust-policy): %+v", len(got), want, got)
	}
	seen := map[string]bool{}
	for _, f := range got {
		if !f.OK || f.Skipped || f.NextStep != "" {
			t.Errorf("%s: want OK without next step, got %+v", key(f), f)
		}
		if f.Detail == "" {
			t.Errorf("%s: OK finding should say what it saw", key(f))
		}
		seen[f.Check] = true
	}
	for _, c := range controlplane.AllChecks {
		if !seen[c] {
			t.Errorf("check %s reported nothing", c)
		}
	}
	// Report order is AllChecks order, brokers in order within a check.
	if got[0].Check != controlplane.CheckNLBTarget || got[0].Target != "broker 1" || got[2].Target != "broker 3" ||
		got[len(got)-1].Check != controlplane.CheckTrustPolicy {
		t.Errorf("findings out of order: first %s, third %s, last %s", key(got[0]), key(got[2]), key(got[len(got)-1]))
	}
	// Shared answers are fetched once: one ListNodes, one DescribeTargetHealth per target group.
	count := map[string]int{}
	for _, c := range srv.Calls() {
		count[c]++
	}
	if count["kafka:ListNodes"] != 1 || count["elasticloadbalancing:DescribeTargetHealth"] != len(d.Brokers) {
		t.Errorf("calls: ListNodes %d (want 1), DescribeTargetHealth %d (want %d)", count["kafka:ListNodes"], count["elasticloadbalancing:DescribeTargetHealth"], len(d.Brokers))
	}
	wantDetail := map[string]string{
		"nlb-target / broker 2":                      "mskvpce-demo-nlb-2 targets 10.0.2.102:9098, broker 2's client IP",
		"target-health / broker 1":                   "10.0.1.101:9098 healthy",
		"listener / broker 3":                        "TCP/9098 → " + awsfake.TargetGroupName("mskvpce-demo", 3, 3),
		"cross-zone / broker 1":                      "load_balancing.cross_zone.enabled=false",
		"allowed-principals / broker 1":              "allows arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1",
		"broker-sg / " + d.BrokerSecurityGroupID:     "ingress tcp/9098 from " + d.NLBSecurityGroupID + " only (rule sgr-0b0000000000000a1)",
		"trust-policy / mskvpce-demo-databricks-msk": "trusts unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL and itself; sts:ExternalId set (not the placeholder)",
	}
	for _, f := range got {
		if w, ok := wantDetail[key(f)]; ok && f.Detail != w {
			t.Errorf("%s detail:\n got %q\nwant %q", key(f), f.Detail, w)
		}
	}
}

// TestDrift breaks one thing at a time and asserts the exact failed
// findings (detail and next step); every other finding must stay OK.
func TestDrift(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	b1, b2, b3 := d.Brokers[0], d.Brokers[1], d.Brokers[2]
	const region = "us-east-1"
	sgNext := fmt.Sprintf("the NLB cannot open tcp/9098 to the broker: check that broker security group %s admits tcp/9098 from NLB security group %s (see broker-sg) and that broker %%d is running (`aws kafka list-nodes --region %s --cluster-arn %s`)",
		d.BrokerSecurityGroupID, d.NLBSecurityGroupID, region, d.ClusterARN)

	tests := []struct {
		name  string
		drift func(*awsfake.State)
		opts  controlplane.Options
		want  []finding.Finding // the failed findings, in report order
	}{
		{
			name: "broker replaced: NLB still targets the old IP",
			drift: func(s *awsfake.State) {
				s.Nodes[1].ClientIP = "10.0.2.150"
				s.TargetGroups[1].Targets[0].State = "unhealthy"
				s.TargetGroups[1].Targets[0].Reason = "Target.FailedHealthChecks"
				s.TargetGroups[1].Targets[0].Description = "Health checks failed"
			},
			want: []finding.Finding{
				{Check: "nlb-target", Target: "broker 2",
					Detail: "target 10.0.2.102:9098 is stale: broker 2's client IP is now 10.0.2.150; 10.0.2.150:9098 is not registered; Terraform outputs still say 10.0.2.102",
					NextStep: fmt.Sprintf("aws elbv2 register-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.2.150,Port=9098 && aws elbv2 deregister-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.2.102,Port=9098 (or `terraform apply`, which re-reads the broker nodes and re-registers the targets)",
						region, b2.TargetGroupARN)},
				{Check: "target-health", Target: "broker 2",
					Detail:   "target 10.0.2.102:9098 is unhealthy (Target.FailedHealthChecks: Health checks failed)",
					NextStep: fmt.Sprintf(sgNext, 2)},
			},
		},
		{
			// After the broker-healer re-pointed NLB 2: the old address
			// drains for the deregistration delay and gets no new flows.
			name: "broker replaced and healed: the old target drains",
			drift: func(s *awsfake.State) {
				s.Nodes[1].ClientIP = "10.0.2.150"
				s.TargetGroups[1].Targets[0].State = "draining"
				s.TargetGroups[1].Targets[0].Reason = "Target.DeregistrationInProgress"
				s.TargetGroups[1].Targets = append(s.TargetGroups[1].Targets, awsfake.Target{ID: "10.0.2.150", Port: 9098, State: "healthy"})
			},
			want: nil,
		},
		{
			name: "the broker's own target deregistered by hand",
			drift: func(s *awsfake.State) {
				s.TargetGroups[0].Targets[0].State = "draining"
				s.TargetGroups[0].Targets[0].Reason = "Target.DeregistrationInProgress"
				s.TargetGroups[0].Targets[0].Description = "Target deregistration is in progress"
			},
			want: []finding.Finding{
				{Check: "nlb-target", Target: "broker 1",
					Detail: "10.0.1.101:9098 is being deregistered (draining)",
					NextStep: fmt.Sprintf("aws elbv2 register-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.1.101,Port=9098 (or `terraform apply`, which re-reads the broker nodes and re-registers the targets)",
						region, b1.TargetGroupARN)},
				{Check: "target-health", Target: "broker 1",
					Detail:   "target 10.0.1.101:9098 is draining (Target.DeregistrationInProgress: Target deregistration is in progress)",
					NextStep: fmt.Sprintf("the target is being deregistered; if 10.0.1.101 is still broker 1's client IP, register it again: aws elbv2 register-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.1.101,Port=9098", region, b1.TargetGroupARN)},
			},
		},
		{
			name: "target registered on the wrong port",
			drift: func(s *awsfake.State) {
				s.TargetGroups[0].Targets[0].Port = 9092
			},
			want: []finding.Finding{
				{Check: "nlb-target", Target: "broker 1",
					Detail: "target 10.0.1.101:9092 is on port 9092, not 9098; 10.0.1.101:9098 is not registered",
					NextStep: fmt.Sprintf("aws elbv2 register-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.1.101,Port=9098 && aws elbv2 deregister-targets --region %[1]s --target-group-arn %[2]s --targets Id=10.0.1.101,Port=9092 (or `terraform apply`, which re-reads the broker nodes and re-registers the targets)",
						region, b1.TargetGroupARN)},
			},
		},
		{
			name: "unhealthy target",
			drift: func(s *awsfake.State) {
				s.TargetGroups[2].Targets[0].State = "unhealthy"
				s.TargetGroups[2].Targets[0].Reason = "Target.FailedHealthChecks"
				s.TargetGroups[2].Targets[0].Description = "Health checks failed"
			},
			want: []finding.Finding{
				{Check: "target-health", Target: "broker 3",
					Detail:   "target 10.0.3.103:9098 is unhealthy (Target.FailedHealthChecks: Health checks failed)",
					NextStep: fmt.Sprintf(sgNext, 3)},
			},
		},
		{
			name: "target in an AZ the NLB does not serve",
			drift: func(s *awsfake.State) {
				s.TargetGroups[0].Targets[0].State = "unused"
				s.TargetGroups[0].Targets[0].Reason = "Target.NotInUse"
				s.TargetGroups[0].Targets[0].Description = "Target is in an Availability Zone that is not enabled for the load balancer"
			},
			want: []finding.Finding{
				{Check: "target-health", Target: "broker 1",
					Detail: "target 10.0.1.101:9098 is unused (Target.NotInUse: Target is in an Availability Zone that is not enabled for the load balancer)",
					NextStep: fmt.Sprintf("the target's Availability Zone is not enabled on mskvpce-demo-nlb-1 (cross-zone is off, so the NLB needs a subnet in us-east-1a): add it with `aws elbv2 set-subnets --region %s --load-balancer-arn %s --subnets <the NLB's subnets> %s`, or `terraform apply`",
						region, b1.NLBARN, b1.ClientSubnetID)},
			},
		},
		{
			name: "listener moved to the wrong port",
			drift: func(s *awsfake.State) {
				s.LoadBalancers[0].Listeners[0].Port = 9092
			},
			want: []finding.Finding{
				{Check: "listener", Target: "broker 1",
					Detail:   "mskvpce-demo-nlb-1 has no listener on 9098 (listeners: TCP/9092 → " + awsfake.TargetGroupName("mskvpce-demo", 1, 1) + ")",
					NextStep: fmt.Sprintf("aws elbv2 modify-listener --region %s --listener-arn %s --port 9098", region, listenerARN(t, b1.NLBARN))},
			},
		},
		{
			name: "listener forwards to another broker's target group over TLS",
			drift: func(s *awsfake.State) {
				s.LoadBalancers[1].Listeners[0].TargetGroupARN = b3.TargetGroupARN
				s.LoadBalancers[1].Listeners[0].Protocol = "TLS"
			},
			want: []finding.Finding{
				{Check: "listener", Target: "broker 2",
					Detail:   "listener 9098 is TLS, not TCP (the brokers terminate TLS themselves); listener 9098 forwards to " + awsfake.TargetGroupName("mskvpce-demo", 3, 3) + ", not broker 2's target group " + awsfake.TargetGroupName("mskvpce-demo", 2, 2),
					NextStep: fmt.Sprintf("aws elbv2 modify-listener --region %s --listener-arn %s --protocol TCP --default-actions Type=forward,TargetGroupArn=%s", region, listenerARN(t, b2.NLBARN), b2.TargetGroupARN)},
			},
		},
		{
			name:  "listener deleted",
			drift: func(s *awsfake.State) { s.LoadBalancers[2].Listeners = nil },
			want: []finding.Finding{
				{Check: "listener", Target: "broker 3",
					Detail:   "mskvpce-demo-nlb-3 has no listener on 9098",
					NextStep: fmt.Sprintf("aws elbv2 create-listener --region %s --load-balancer-arn %s --protocol TCP --port 9098 --default-actions Type=forward,TargetGroupArn=%s", region, b3.NLBARN, b3.TargetGroupARN)},
			},
		},
		{
			name:  "cross-zone load balancing turned on",
			drift: func(s *awsfake.State) { s.LoadBalancers[1].CrossZone = true },
			want: []finding.Finding{
				{Check: "cross-zone", Target: "broker 2",
					Detail:   "mskvpce-demo-nlb-2 has load_balancing.cross_zone.enabled=true",
					NextStep: fmt.Sprintf("aws elbv2 modify-load-balancer-attributes --region %s --load-balancer-arn %s --attributes Key=load_balancing.cross_zone.enabled,Value=false", region, b2.NLBARN)},
			},
		},
		{
			name:  "endpoint service failed",
			drift: func(s *awsfake.State) { s.EndpointServices[2].State = "Failed" },
			want: []finding.Finding{
				{Check: "endpoint-service", Target: "broker 3",
					Detail:   fmt.Sprintf("endpoint service %s is Failed", b3.EndpointServiceID),
					NextStep: "run `terraform apply` to recreate it, then point the Databricks NCC private endpoint rule at the new service name"},
			},
		},
		{
			name:  "endpoint service pending",
			drift: func(s *awsfake.State) { s.EndpointServices[0].State = "Pending" },
			want: []finding.Finding{
				{Check: "endpoint-service", Target: "broker 1",
					Detail:   fmt.Sprintf("endpoint service %s is Pending", b1.EndpointServiceID),
					NextStep: fmt.Sprintf("wait until it is Available (`aws ec2 describe-vpc-endpoint-service-configurations --region %s --service-ids %s`), then re-run", region, b1.EndpointServiceID)},
			},
		},
		{
			name:  "endpoint service fronts another broker's NLB",
			drift: func(s *awsfake.State) { s.EndpointServices[0].NLBARNs = []string{b2.NLBARN} },
			want: []finding.Finding{
				{Check: "endpoint-service", Target: "broker 1",
					Detail:   "it fronts [mskvpce-demo-nlb-2], not broker 1's NLB mskvpce-demo-nlb-1",
					NextStep: fmt.Sprintf("aws ec2 modify-vpc-endpoint-service-configuration --region %s --service-id %s --add-network-load-balancer-arns %s --remove-network-load-balancer-arns %s (or `terraform apply`)", region, b1.EndpointServiceID, b1.NLBARN, b2.NLBARN)},
			},
		},
		{
			name: "allowed principal removed, another added",
			drift: func(s *awsfake.State) {
				s.EndpointServices[0].AllowedPrincipals = []string{"arn:aws:iam::999999999999:root"}
			},
			want: []finding.Finding{
				{Check: "allowed-principals", Target: "broker 1",
					Detail:   fmt.Sprintf("endpoint service %s: not allowed: %s; allowed but not configured: arn:aws:iam::999999999999:root", b1.EndpointServiceID, d.AllowedPrincipals[0]),
					NextStep: fmt.Sprintf("aws ec2 modify-vpc-endpoint-service-permissions --region %s --service-id %s --add-allowed-principals %s --remove-allowed-principals arn:aws:iam::999999999999:root", region, b1.EndpointServiceID, d.AllowedPrincipals[0])},
			},
		},
		{
			name: "principal configured in options but not on the services",
			opts: controlplane.Options{AllowedPrincipals: append([]string{"arn:aws:iam::565502421330:role/other"}, d.AllowedPrincipals...)},
			want: func() []finding.Finding {
				var out []finding.Finding
				for _, b := range d.Brokers {
					out = append(out, finding.Finding{Check: "allowed-principals", Target: fmt.Sprintf("broker %d", b.ID),
						Detail:   fmt.Sprintf("endpoint service %s: not allowed: arn:aws:iam::565502421330:role/other", b.EndpointServiceID),
						NextStep: fmt.Sprintf("aws ec2 modify-vpc-endpoint-service-permissions --region %s --service-id %s --add-allowed-principals arn:aws:iam::565502421330:role/other", region, b.EndpointServiceID)})
				}
				return out
			}(),
		},
		{
			name: "endpoint connection pending acceptance",
			drift: func(s *awsfake.State) {
				s.EndpointServices[1].Connections = append(s.EndpointServices[1].Connections, awsfake.Connection{
					EndpointID: "vpce-0ffee00000000beef", Owner: "565502421330", State: "pendingAcceptance", Created: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
			},
			want: []finding.Finding{
				{Check: "endpoint-connections", Target: "broker 2",
					Detail:   "vpce-0000000000000db02 (account 565502421330): available; vpce-0ffee00000000beef (account 565502421330): pendingAcceptance",
					NextStep: fmt.Sprintf("aws ec2 accept-vpc-endpoint-connections --region %s --service-id %s --vpc-endpoint-ids vpce-0ffee00000000beef", region, b2.EndpointServiceID)},
			},
		},
		{
			name: "endpoint connection rejected",
			drift: func(s *awsfake.State) {
				s.EndpointServices[2].Connections[0].State = "rejected"
			},
			want: []finding.Finding{
				{Check: "endpoint-connections", Target: "broker 3",
					Detail:   "vpce-0000000000000db03 (account 565502421330): rejected",
					NextStep: fmt.Sprintf("ask account 565502421330 to delete vpce-0000000000000db03 and create a new endpoint to %s (Databricks: recreate the NCC private endpoint rule)", b3.EndpointServiceName)},
			},
		},
		{
			name: "broker security group opened to the internet",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules = append(s.SecurityGroupRules, awsfake.SecurityGroupRule{
					ID: "sgr-0bad0000000000001", GroupID: d.BrokerSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098, CIDRv4: "0.0.0.0/0"})
			},
			want: []finding.Finding{
				{Check: "broker-sg", Target: d.BrokerSecurityGroupID,
					Detail:   "rule sgr-0bad0000000000001 admits tcp/9098 from 0.0.0.0/0",
					NextStep: fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids sgr-0bad0000000000001", region, d.BrokerSecurityGroupID)},
			},
		},
		{
			name: "NLB rule replaced by an all-traffic rule",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules[0].Protocol, s.SecurityGroupRules[0].FromPort, s.SecurityGroupRules[0].ToPort = "-1", -1, -1
			},
			want: []finding.Finding{
				{Check: "broker-sg", Target: d.BrokerSecurityGroupID,
					Detail: fmt.Sprintf("no rule admits tcp/9098 from NLB security group %[1]s; rule sgr-0b0000000000000a1 admits all traffic from security group %[1]s", d.NLBSecurityGroupID),
					NextStep: fmt.Sprintf("aws ec2 authorize-security-group-ingress --region %[1]s --group-id %[2]s --protocol tcp --port 9098 --source-group %[3]s && aws ec2 revoke-security-group-ingress --region %[1]s --group-id %[2]s --security-group-rule-ids sgr-0b0000000000000a1",
						region, d.BrokerSecurityGroupID, d.NLBSecurityGroupID)},
			},
		},
		{
			name: "broker security group admits an operator CIDR directly",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules = append(s.SecurityGroupRules, awsfake.SecurityGroupRule{
					ID: "sgr-0a000000000000041", GroupID: d.BrokerSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098, CIDRv4: "10.0.64.0/24"})
			},
			opts: controlplane.Options{OperatorCIDRs: []string{"10.0.64.0/24"}},
			want: []finding.Finding{
				{Check: "broker-sg", Target: d.BrokerSecurityGroupID,
					Detail:   "rule sgr-0a000000000000041 admits tcp/9098 from 10.0.64.0/24",
					NextStep: fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids sgr-0a000000000000041", region, d.BrokerSecurityGroupID)},
			},
		},
		{
			name: "NLB security group opened to the internet",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules = append(s.SecurityGroupRules, awsfake.SecurityGroupRule{
					ID: "sgr-0c0bad00000000001", GroupID: d.NLBSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098, CIDRv6: "::/0"})
			},
			want: []finding.Finding{
				{Check: "nlb-sg", Target: d.NLBSecurityGroupID,
					Detail:   "rule sgr-0c0bad00000000001 admits tcp/9098 from ::/0",
					NextStep: fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids sgr-0c0bad00000000001", region, d.NLBSecurityGroupID)},
			},
		},
		{
			name: "NLB security group: inside the operator CIDRs passes, outside fails",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules = append(s.SecurityGroupRules,
					awsfake.SecurityGroupRule{ID: "sgr-0c0000000000000a2", GroupID: d.NLBSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098, CIDRv4: "10.0.64.128/25"},
					awsfake.SecurityGroupRule{ID: "sgr-0c0000000000000a3", GroupID: d.NLBSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098, CIDRv4: "10.20.4.0/24"})
			},
			opts: controlplane.Options{OperatorCIDRs: []string{"10.0.64.0/24"}},
			want: []finding.Finding{
				{Check: "nlb-sg", Target: d.NLBSecurityGroupID,
					Detail:   "rule sgr-0c0000000000000a3 admits tcp/9098 from 10.20.4.0/24",
					NextStep: fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids sgr-0c0000000000000a3", region, d.NLBSecurityGroupID)},
			},
		},
		{
			name: "NLB security group: an operator CIDR on all ports is too wide",
			drift: func(s *awsfake.State) {
				s.SecurityGroupRules[2].FromPort, s.SecurityGroupRules[2].ToPort = 0, 65535
			},
			want: []finding.Finding{
				{Check: "nlb-sg", Target: d.NLBSecurityGroupID,
					Detail:   "rule sgr-0c0000000000000a1 admits tcp/all ports from 10.0.64.0/24",
					NextStep: fmt.Sprintf("aws ec2 revoke-security-group-ingress --region %s --group-id %s --security-group-rule-ids sgr-0c0000000000000a1", region, d.NLBSecurityGroupID)},
			},
		},
		{
			name: "trust policy still has the placeholder external ID",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = awsfake.TrustPolicy(d.RoleARN, "0000")
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail:   `sts:ExternalId is the placeholder "0000"`,
					NextStep: fmt.Sprintf("create the Databricks service credential for %s, copy the external ID Databricks shows, set databricks_external_id to it in terraform.tfvars and run `terraform apply`", d.RoleARN)},
			},
		},
		{
			name: "trust policy lost its self-assumption principal",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"6a1c9f0e"}}}]}`, controlplane.DatabricksUCMasterRoleARN)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: fmt.Sprintf("principal %s (the role itself, needed for self-assumption) is missing", d.RoleARN),
					NextStep: "run `terraform apply` to restore the module's trust policy, or: aws iam update-assume-role-policy --role-name " + d.RoleName +
						" --policy-document '" + controlplane.TrustPolicy(controlplane.DatabricksUCMasterRoleARN, d.RoleARN, "6a1c9f0e") + "'"},
			},
		},
		{
			name: "trust policy lost the UC master role and its external ID",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}}`, d.RoleARN)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: fmt.Sprintf("principal %s (Databricks UC master role) is missing", controlplane.DatabricksUCMasterRoleARN),
					NextStep: fmt.Sprintf("run `terraform apply` to restore the module's trust policy (principals %s and %s, sts:ExternalId = your Databricks external ID)",
						controlplane.DatabricksUCMasterRoleARN, d.RoleARN)},
			},
		},
		{
			name: "trust policy without the external ID condition",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[%q,%q]},"Action":"sts:AssumeRole"}]}`, controlplane.DatabricksUCMasterRoleARN, d.RoleARN)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: "no sts:ExternalId condition on the statement trusting the UC master role (confused-deputy protection missing)",
					NextStep: fmt.Sprintf("run `terraform apply` to restore the module's trust policy (principals %s and %s, sts:ExternalId = your Databricks external ID)",
						controlplane.DatabricksUCMasterRoleARN, d.RoleARN)},
			},
		},
		{
			name: "trust policy opened to any principal",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = strings.Replace(awsfake.TrustPolicy(d.RoleARN, "6a1c9f0e"), `]}`,
					`,{"Sid":"Debug","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, 1)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: `a statement lets any principal ("*") assume the role`,
					NextStep: "run `terraform apply` to restore the module's trust policy, or: aws iam update-assume-role-policy --role-name " + d.RoleName +
						" --policy-document '" + controlplane.TrustPolicy(controlplane.DatabricksUCMasterRoleARN, d.RoleARN, "6a1c9f0e") + "'"},
			},
		},
		{
			name: "role recreated: IAM replaced the self principal by its unique ID",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[%q,"AROA2EXAMPLEOLDROLEID"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"6a1c9f0e"}}}]}`, controlplane.DatabricksUCMasterRoleARN)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: fmt.Sprintf("principal %s (the role itself, needed for self-assumption) is missing; principal AROA2EXAMPLEOLDROLEID is the unique ID of a deleted role or user (IAM replaced its ARN)", d.RoleARN),
					NextStep: "run `terraform apply` to restore the module's trust policy, or: aws iam update-assume-role-policy --role-name " + d.RoleName +
						" --policy-document '" + controlplane.TrustPolicy(controlplane.DatabricksUCMasterRoleARN, d.RoleARN, "6a1c9f0e") + "'"},
			},
		},
		{
			name: "self-assumption by the role's own ARN (Databricks' other documented form) is accepted",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[%q,%q]},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"sts:ExternalId":["6a1c9f0e"]}}}]}`,
					controlplane.DatabricksUCMasterRoleARN, d.RoleARN)
			},
		},
		{
			name: "self statement narrowed to another role is not self-assumption",
			drift: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = strings.Replace(awsfake.TrustPolicy(d.RoleARN, "6a1c9f0e"), `"aws:PrincipalArn":"`+d.RoleARN, `"aws:PrincipalArn":"arn:aws:iam::111122223333:role/someone-else`, 1)
			},
			want: []finding.Finding{
				{Check: "trust-policy", Target: d.RoleName,
					Detail: fmt.Sprintf("principal %s (the role itself, needed for self-assumption) is missing", d.RoleARN),
					NextStep: "run `terraform apply` to restore the module's trust policy, or: aws iam update-assume-role-policy --role-name " + d.RoleName +
						" --policy-document '" + controlplane.TrustPolicy(controlplane.DatabricksUCMasterRoleARN, d.RoleARN, "6a1c9f0e") + "'"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _ := runAgainst(t, d, tt.drift, tt.opts)
			var failed []finding.Finding
			for _, f := range got {
				if !f.OK {
					failed = append(failed, f)
				}
			}
			if len(failed) != len(tt.want) {
				t.Fatalf("got %d failed findings, want %d:\n%s", len(failed), len(tt.want), dump(failed))
			}
			for i, w := range tt.want {
				g := failed[i]
				if key(g) != key(w) {
					t.Errorf("failed finding %d is %s, want %s", i, key(g), key(w))
				}
				if g.Detail != w.Detail {
					t.Errorf("%s detail:\n got %q\nwant %q", key(w), g.Detail, w.Detail)
				}
				if g.NextStep != w.NextStep {
					t.Errorf("%s next step:\n got %q\nwant %q", key(w), g.NextStep, w.NextStep)
				}
			}
		})
	}
}

// TestCrossZoneFollowsTheDeployment: with the module's nlb_zones = "all" the
// outputs say cross-zone is on, and then an NLB with it off is the drift (its
// nodes in the other zones would have no target).
func TestCrossZoneFollowsTheDeployment(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	for i := range d.Brokers {
		d.Brokers[i].NLBCrossZone = true
	}
	got, _ := runAgainst(t, d, nil, controlplane.Options{})
	for _, f := range got {
		if f.Check == controlplane.CheckCrossZone && (!f.OK || f.Detail != "load_balancing.cross_zone.enabled=true") {
			t.Errorf("cross-zone on as deployed must pass: %+v", f)
		}
	}
	got, _ = runAgainst(t, d, func(s *awsfake.State) { s.LoadBalancers[0].CrossZone = false }, controlplane.Options{})
	var failed []finding.Finding
	for _, f := range got {
		if !f.OK {
			failed = append(failed, f)
		}
	}
	if len(failed) != 1 || key(failed[0]) != "cross-zone / broker 1" || failed[0].Detail != "mskvpce-demo-nlb-1 has load_balancing.cross_zone.enabled=false" || !strings.Contains(failed[0].NextStep, "Value=true") {
		t.Errorf("cross-zone off where the deployment set it on must fail alone, with Value=true as the fix:\n%s", dump(failed))
	}
}

// TestAPIErrors: a call the caller may not make fails exactly the checks
// that need it, with the service's error and the permission to grant;
// every other check still completes.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	acct := "111122223333"
	tests := []struct {
		name   string
		op     string
		err    awsfake.APIError
		checks map[string]bool // checks that must fail
		detail func(f finding.Finding) string
		next   string
	}{
		{
			name:   "elbv2 AccessDenied on DescribeTargetHealth",
			op:     "DescribeTargetHealth",
			err:    awsfake.AccessDenied("AccessDenied", acct, "elasticloadbalancing:DescribeTargetHealth"),
			checks: map[string]bool{"nlb-target": true, "target-health": true},
			detail: func(f finding.Finding) string {
				return fmt.Sprintf("DescribeTargetHealth on %s: AccessDenied: User: arn:aws:sts::%s:assumed-role/mskvpce-verifier/session is not authorized to perform: elasticloadbalancing:DescribeTargetHealth because no identity-based policy allows the elasticloadbalancing:DescribeTargetHealth action",
					brokerOf(t, d, f.Target).TargetGroupARN, acct)
			},
			next: `grant the caller IAM permission elasticloadbalancing:DescribeTargetHealth (the control-plane checks need only read-only actions; see docs/operate.md "Control-plane checks"), or leave this check out with --checks`,
		},
		{
			name:   "MSK ForbiddenException on ListNodes",
			op:     "ListNodes",
			err:    awsfake.AccessDenied("ForbiddenException", acct, "kafka:ListNodes"),
			checks: map[string]bool{"nlb-target": true},
			detail: func(finding.Finding) string {
				return fmt.Sprintf("ListNodes on %s: ForbiddenException: User: arn:aws:sts::%s:assumed-role/mskvpce-verifier/session is not authorized to perform: kafka:ListNodes because no identity-based policy allows the kafka:ListNodes action", d.ClusterARN, acct)
			},
			next: `grant the caller IAM permission kafka:ListNodes (the control-plane checks need only read-only actions; see docs/operate.md "Control-plane checks"), or leave this check out with --checks`,
		},
		{
			name:   "EC2 UnauthorizedOperation on DescribeSecurityGroupRules",
			op:     "DescribeSecurityGroupRules",
			err:    awsfake.APIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."},
			checks: map[string]bool{"broker-sg": true, "nlb-sg": true},
			detail: func(f finding.Finding) string {
				return fmt.Sprintf("DescribeSecurityGroupRules on %s: UnauthorizedOperation: You are not authorized to perform this operation.", f.Target)
			},
			next: `grant the caller IAM permission ec2:DescribeSecurityGroupRules (the control-plane checks need only read-only actions; see docs/operate.md "Control-plane checks"), or leave this check out with --checks`,
		},
		{
			name:   "IAM NoSuchEntity: the role was deleted",
			op:     "GetRole",
			err:    awsfake.APIError{Status: 404, Code: "NoSuchEntity", Message: "The role with name mskvpce-demo-databricks-msk cannot be found."},
			checks: map[string]bool{"trust-policy": true},
			detail: func(finding.Finding) string {
				return "GetRole on mskvpce-demo-databricks-msk: NoSuchEntity: The role with name mskvpce-demo-databricks-msk cannot be found."
			},
			next: "mskvpce-demo-databricks-msk from the Terraform outputs no longer exists in us-east-1: run `terraform plan` to see the drift and `terraform apply` to recreate it (are the outputs from this region and account?)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _ := runAgainst(t, d, func(s *awsfake.State) { s.Errors = map[string]awsfake.APIError{tt.op: tt.err} }, controlplane.Options{})
			if want := 8*len(d.Brokers) + 3; len(got) != want {
				t.Fatalf("got %d findings, want all %d despite the error", len(got), want)
			}
			for _, f := range got {
				if !tt.checks[f.Check] {
					if !f.OK {
						t.Errorf("%s should not depend on %s: %+v", key(f), tt.op, f)
					}
					continue
				}
				if f.OK {
					t.Errorf("%s passed although %s failed", key(f), tt.op)
					continue
				}
				if w := tt.detail(f); f.Detail != w {
					t.Errorf("%s detail:\n got %q\nwant %q", key(f), f.Detail, w)
				}
				if f.NextStep != tt.next {
					t.Errorf("%s next step:\n got %q\nwant %q", key(f), f.NextStep, tt.next)
				}
			}
		})
	}
}

// TestCallTimeout: a call that never answers fails its check within the
// per-call timeout; the others complete. The timeout leaves the answered
// calls room on a loaded machine; the held call would take a minute.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	got, _ := runAgainst(t, d, func(s *awsfake.State) {
		s.Delays = map[string]time.Duration{"GetRole": time.Minute}
	}, controlplane.Options{CallTimeout: 2 * time.Second})
	for _, f := range got {
		if f.Check != "trust-policy" {
			if !f.OK {
				t.Errorf("%s failed: %+v", key(f), f)
			}
			continue
		}
		if f.OK || f.Detail != "GetRole on mskvpce-demo-databricks-msk: no answer in time" ||
			f.NextStep != "check the network path to the iam API endpoint in us-east-1 (proxy, VPC endpoint, firewall) and re-run, or raise the timeout" {
			t.Errorf("trust-policy: got %+v", f)
		}
	}
}

func TestChecksSelectsCalls(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	got, srv := runAgainst(t, d, nil, controlplane.Options{Checks: []string{"cross-zone", "trust-policy"}})
	if len(got) != len(d.Brokers)+1 {
		t.Fatalf("got %d findings, want %d: %s", len(got), len(d.Brokers)+1, dump(got))
	}
	for _, c := range srv.Calls() {
		if c != "elasticloadbalancing:DescribeLoadBalancerAttributes" && c != "iam:GetRole" {
			t.Errorf("unselected checks made call %s", c)
		}
	}
}

func TestParseChecks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "", want: strings.Join(controlplane.AllChecks, ",")},
		{in: "all", want: strings.Join(controlplane.AllChecks, ",")},
		{in: " nlb-target, broker-sg ", want: "nlb-target,broker-sg"},
		{in: "nlb-target,bogus", wantErr: `unknown control-plane check "bogus": valid checks are nlb-target, target-health`},
	} {
		got, err := controlplane.ParseChecks(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseChecks(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("ParseChecks(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func brokerOf(t *testing.T, d tfoutputs.Deployment, target string) tfoutputs.Broker {
	t.Helper()
	for _, b := range d.Brokers {
		if fmt.Sprintf("broker %d", b.ID) == target {
			return b
		}
	}
	t.Fatalf("no broker for target %q", target)
	return tfoutputs.Broker{}
}

// listenerARN reads the listener ARN the fake derives for an NLB, so the
// expectation names the same listener the check saw.
func listenerARN(t *testing.T, nlbARN string) string {
	t.Helper()
	for _, lb := range awsfake.Healthy(awsfake.Sample()).LoadBalancers {
		if lb.ARN == nlbARN {
			return lb.Listeners[0].ARN
		}
	}
	t.Fatalf("no NLB %s", nlbARN)
	return ""
}

func dump(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s ok=%t\n    detail: %s\n    next:   %s\n", key(f), f.OK, f.Detail, f.NextStep)
	}
	return b.String()
}

// TestTrustPolicyAheadOfTerraform: someone put the real external ID into the
// trust policy by hand while Terraform still holds the placeholder; the next
// apply would put "0000" back and break the Databricks credential.
func TestTrustPolicyAheadOfTerraform(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	d.ExternalIDIsPlaceholder = true
	got, _ := runAgainst(t, d, nil, controlplane.Options{Checks: []string{"trust-policy"}})
	want := finding.Finding{Check: "trust-policy", Target: d.RoleName,
		Detail:   `the trust policy has a real external ID but Terraform still holds the placeholder "0000": the next ` + "`terraform apply`" + ` reverts it`,
		NextStep: `set databricks_external_id = "6a1c9f0e-2b7d-4e55-9c1b-1f3e8d2a7b40" in terraform.tfvars, then ` + "`terraform apply`"}
	if len(got) != 1 || got[0].OK || got[0].Detail != want.Detail || got[0].NextStep != want.NextStep || key(got[0]) != key(want) {
		t.Errorf("got %s\nwant %s", dump(got), dump([]finding.Finding{want}))
	}
}

func TestIAMPolicyCoversEveryCheck(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	var doc struct {
		Statement []struct {
			Action   []string
			Resource string
		}
	}
	policy := controlplane.IAMPolicy(d)
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatalf("IAMPolicy is not JSON: %v\n%s", err, policy)
	}
	granted := map[string]string{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			granted[a] = s.Resource
		}
	}
	for _, c := range controlplane.AllChecks {
		actions, listed := controlplane.RequiredActions[c]
		if !listed || (len(actions) == 0) != (c == controlplane.CheckRuleDomains) {
			t.Errorf("check %s: IAM actions %v (only rule-domains, which reads the outputs alone, needs none)", c, actions)
		}
		for _, a := range actions {
			if _, ok := granted[a]; !ok {
				t.Errorf("check %s needs %s, which the policy does not grant", c, a)
			}
		}
	}
	if granted["kafka:ListNodes"] != d.ClusterARN || granted["iam:GetRole"] != d.RoleARN {
		t.Errorf("ListNodes/GetRole should be scoped to the cluster and the role: %s", policy)
	}
}

// TestRequiredActionsSuffice runs each check alone with every other
// operation denied: it must pass, so RequiredActions (and the README's
// permission list built from it) is complete.
func TestRequiredActionsSuffice(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	ops := []string{"ListNodes", "DescribeTargetHealth", "DescribeListeners", "DescribeLoadBalancerAttributes",
		"DescribeVpcEndpointServiceConfigurations", "DescribeVpcEndpointServicePermissions", "DescribeVpcEndpointConnections",
		"DescribeSecurityGroupRules", "GetRole"}
	for _, c := range controlplane.AllChecks {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			allowed := map[string]bool{}
			for _, a := range controlplane.RequiredActions[c] {
				allowed[a[strings.IndexByte(a, ':')+1:]] = true
			}
			got, _ := runAgainst(t, d, func(s *awsfake.State) {
				s.Errors = map[string]awsfake.APIError{}
				for _, op := range ops {
					if !allowed[op] {
						s.Errors[op] = awsfake.APIError{Code: "AccessDenied", Message: "denied " + op}
					}
				}
			}, controlplane.Options{Checks: []string{c}})
			if len(got) == 0 {
				t.Fatal("no findings")
			}
			for _, f := range got {
				if !f.OK {
					t.Errorf("%s with only %v: %s", key(f), controlplane.RequiredActions[c], f.Detail)
				}
			}
		})
	}
}

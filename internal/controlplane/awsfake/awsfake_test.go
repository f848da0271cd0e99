package awsfake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kafka"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
)

// raw sends a request with a SigV4-shaped Authorization header for service
// (the fake routes on the credential scope; it does not verify signatures).
func raw(t *testing.T, srv *awsfake.Server, service, method, path string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if service != "" {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260115/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=00")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestWire(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	srv := awsfake.Start(awsfake.Healthy(d))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, service, method, path string
		form                        url.Values
		status                      int
		contains                    []string
	}{
		{name: "unsigned request refused", method: "POST", path: "/", form: url.Values{"Action": {"DescribeListeners"}},
			status: 403, contains: []string{"<Code>MissingAuthenticationToken</Code>"}},
		{name: "ELBv2 query response", service: "elasticloadbalancing", method: "POST", path: "/",
			form:   url.Values{"Action": {"DescribeLoadBalancerAttributes"}, "Version": {"2015-12-01"}, "LoadBalancerArn": {d.Brokers[0].NLBARN}},
			status: 200, contains: []string{`<DescribeLoadBalancerAttributesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancerAttributesResult><Attributes><member>`, "<Key>load_balancing.cross_zone.enabled</Key><Value>false</Value>", "<ResponseMetadata><RequestId>"}},
		{name: "ELBv2 query error", service: "elasticloadbalancing", method: "POST", path: "/",
			form:   url.Values{"Action": {"DescribeTargetHealth"}, "Version": {"2015-12-01"}, "TargetGroupArn": {"arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/gone/0"}},
			status: 400, contains: []string{"<ErrorResponse", "<Type>Sender</Type><Code>TargetGroupNotFound</Code>"}},
		{name: "EC2 query response", service: "ec2", method: "POST", path: "/",
			form:   url.Values{"Action": {"DescribeSecurityGroupRules"}, "Version": {"2016-11-15"}, "Filter.1.Name": {"group-id"}, "Filter.1.Value.1": {d.NLBSecurityGroupID}},
			status: 200, contains: []string{`<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>`, "<securityGroupRuleSet><item><securityGroupRuleId>sgr-0c0000000000000a1</securityGroupRuleId>", "<referencedGroupInfo><groupId>" + d.BrokerSecurityGroupID}},
		{name: "EC2 query error", service: "ec2", method: "POST", path: "/",
			form:   url.Values{"Action": {"DescribeVpcEndpointServicePermissions"}, "Version": {"2016-11-15"}, "ServiceId": {"vpce-svc-0gone"}},
			status: 400, contains: []string{"<Response><Errors><Error><Code>InvalidVpcEndpointServiceId.NotFound</Code>", "<RequestID>"}},
		{name: "IAM query response, policy URL-encoded", service: "iam", method: "POST", path: "/",
			form:   url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {d.RoleName}},
			status: 200, contains: []string{`<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role>`, "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22"}},
		{name: "MSK REST error", service: "kafka", method: "GET", path: "/v1/clusters/" + url.PathEscape("arn:aws:kafka:us-east-1:111122223333:cluster/other/x") + "/nodes",
			status: 404, contains: []string{`"message":"The requested resource could not be found.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := raw(t, srv, tt.service, tt.method, tt.path, tt.form)
			if status != tt.status {
				t.Errorf("status %d, want %d; body %s", status, tt.status, body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %q:\n%s", c, body)
				}
			}
		})
	}
}

// TestSDKRoundTrip reads the fake through the real SDK clients: MSK
// ListNodes through REST-JSON, EC2 filters through the EC2 Query protocol.
func TestSDKRoundTrip(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	st.EndpointServices[0].Connections = append(st.EndpointServices[0].Connections, awsfake.Connection{EndpointID: "vpce-0pending", Owner: "565502421330", State: "pendingAcceptance"})
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	nodes, err := kafka.NewFromConfig(srv.Config()).ListNodes(ctx, &kafka.ListNodesInput{ClusterArn: aws.String(d.ClusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range nodes.NodeInfoList {
		got = append(got, aws.ToString(n.BrokerNodeInfo.ClientVpcIpAddress))
	}
	if strings.Join(got, ",") != "10.0.1.101,10.0.2.102,10.0.3.103" {
		t.Errorf("ListNodes client IPs = %v", got)
	}

	out, err := ec2.NewFromConfig(srv.Config()).DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-endpoint-state"), Values: []string{"pendingAcceptance"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.VpcEndpointConnections) != 1 || aws.ToString(out.VpcEndpointConnections[0].VpcEndpointId) != "vpce-0pending" ||
		aws.ToString(out.VpcEndpointConnections[0].ServiceId) != d.Brokers[0].EndpointServiceID {
		b, _ := json.Marshal(out.VpcEndpointConnections)
		t.Errorf("pending connections = %s", b)
	}

	// Update changes what the next request sees.
	srv.Update(func(s *awsfake.State) { s.Nodes[0].ClientIP = "10.0.1.200" })
	nodes, err = kafka.NewFromConfig(srv.Config()).ListNodes(ctx, &kafka.ListNodesInput{ClusterArn: aws.String(d.ClusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	if ip := aws.ToString(nodes.NodeInfoList[0].BrokerNodeInfo.ClientVpcIpAddress); ip != "10.0.1.200" {
		t.Errorf("after Update, broker 1 IP = %s", ip)
	}
}

// What discovery of an existing cluster reads, through the real SDK
// clients: DescribeSubnets (VPC, zones and zone IDs; an unknown subnet is
// EC2's InvalidSubnetID.NotFound), and an MSK Serverless cluster, which
// DescribeClusterV2 reports without a provisioned part and ListNodes
// refuses.
func TestSubnetsAndServerless(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	ec := ec2.NewFromConfig(srv.Config())
	out, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{d.Brokers[1].ClientSubnetID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Subnets) != 1 {
		t.Fatalf("subnets %+v", out.Subnets)
	}
	sn := out.Subnets[0]
	if aws.ToString(sn.VpcId) != d.VPCID || aws.ToString(sn.AvailabilityZone) != "us-east-1b" || aws.ToString(sn.AvailabilityZoneId) != "use1-az2" || sn.State != ec2types.SubnetStateAvailable {
		t.Errorf("subnet %s: vpc %s, zone %s (%s), state %s", aws.ToString(sn.SubnetId), aws.ToString(sn.VpcId), aws.ToString(sn.AvailabilityZone), aws.ToString(sn.AvailabilityZoneId), sn.State)
	}
	if _, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0missing"}}); err == nil || !strings.Contains(err.Error(), "InvalidSubnetID.NotFound") {
		t.Errorf("unknown subnet: %v", err)
	}

	srv.Update(func(s *awsfake.State) { s.Cluster.Serverless = true })
	msk := kafka.NewFromConfig(srv.Config())
	dc, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(d.ClusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	c := dc.ClusterInfo
	if c.ClusterType != "SERVERLESS" || c.Provisioned != nil || c.Serverless == nil || len(c.Serverless.VpcConfigs) != 1 || !aws.ToBool(c.Serverless.ClientAuthentication.Sasl.Iam.Enabled) {
		t.Errorf("serverless cluster: %+v", c)
	}
	if _, err := msk.ListNodes(ctx, &kafka.ListNodesInput{ClusterArn: aws.String(d.ClusterARN)}); err == nil || !strings.Contains(err.Error(), "serverless") {
		t.Errorf("ListNodes of a serverless cluster: %v", err)
	}
}

package awsfake_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
)

// An endpoint service's lifecycle through the EC2 SDK: connection requests
// from several accounts, acceptance by ID (the others stay pending),
// pending then available, and a delete refused while connections remain.
func TestConnectionLifecycle(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	st.AcceptLatency = 150 * time.Millisecond
	for i := range st.EndpointServices {
		st.EndpointServices[i].Connections = nil
	}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	svc := d.Brokers[0].EndpointServiceID
	ctx := context.Background()
	c := ec2.NewFromConfig(srv.Config())

	// Databricks' endpoint and a stranger's: the allowed principal is shared
	// by every Databricks customer in the region.
	if err := srv.AddConnection(svc, "vpce-0db0000000000001", "565502421330"); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddConnection(svc, "vpce-0ee0000000000009", "999988887777"); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddConnection("vpce-svc-0nope", "vpce-1", "1"); err == nil {
		t.Error("AddConnection to an unknown service succeeded")
	}

	out, err := c.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: []string{"vpce-0db0000000000001", "vpce-0missing"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].ResourceId) != "vpce-0missing" || aws.ToString(out.Unsuccessful[0].Error.Code) != "InvalidVpcEndpoint.NotFound" {
		t.Errorf("unsuccessful: %+v", out.Unsuccessful)
	}
	if got := srv.ConnectionState(svc, "vpce-0db0000000000001"); got != "pending" {
		t.Errorf("right after acceptance: %q, want pending", got)
	}
	if got := srv.ConnectionState(svc, "vpce-0ee0000000000009"); got != "pendingAcceptance" {
		t.Errorf("the stranger's connection: %q, want pendingAcceptance (never accepted)", got)
	}
	time.Sleep(200 * time.Millisecond)
	desc, err := c.DescribeVpcEndpointConnections(ctx, &ec2.DescribeVpcEndpointConnectionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, x := range desc.VpcEndpointConnections {
		states[aws.ToString(x.VpcEndpointId)] = string(x.VpcEndpointState)
	}
	if states["vpce-0db0000000000001"] != "available" || states["vpce-0ee0000000000009"] != "pendingAcceptance" {
		t.Errorf("after the accept latency: %v", states)
	}
	// Accepting twice: the second is unsuccessful, not an error.
	out, err = c.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: []string{"vpce-0db0000000000001"}})
	if err != nil || len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].Error.Code) != "InvalidState" {
		t.Errorf("accepting an available connection: %v %+v", err, out)
	}

	del := func() []string {
		t.Helper()
		out, err := c.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svc}})
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, u := range out.Unsuccessful {
			codes = append(codes, aws.ToString(u.Error.Code))
		}
		return codes
	}
	if codes := del(); len(codes) != 1 || codes[0] != "ExistingVpcEndpointConnections" {
		t.Fatalf("delete with connections: unsuccessful %v, want ExistingVpcEndpointConnections", codes)
	}
	rej, err := c.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: []string{"vpce-0db0000000000001"}})
	if err != nil || len(rej.Unsuccessful) != 0 {
		t.Fatalf("reject: %v %+v", err, rej)
	}
	if codes := del(); len(codes) != 1 {
		t.Fatalf("delete with the stranger's pending connection left: %v, want refused", codes)
	}
	if _, err := c.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: []string{"vpce-0ee0000000000009"}}); err != nil {
		t.Fatal(err)
	}
	if codes := del(); len(codes) != 0 {
		t.Fatalf("delete after rejecting every connection: %v", codes)
	}
	for _, es := range srv.Snapshot().EndpointServices {
		if es.ID == svc {
			t.Errorf("service %s still exists after its delete", svc)
		}
	}
	if _, err := c.AcceptVpcEndpointConnections(ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svc), VpcEndpointIds: []string{"vpce-1"}}); err == nil {
		t.Error("accept on a deleted service succeeded")
	}
}

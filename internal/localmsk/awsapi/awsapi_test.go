package awsapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	kafkatypes "github.com/aws/aws-sdk-go-v2/service/kafka/types"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/localmsk/awsapi"
)

// TestServeTheEnvironmentsCluster reads a running environment's cluster
// through the real MSK client at the URL info.json records: ACTIVE with
// IAM, its Kafka version, broker type, subnets and security group, the
// bootstrap string clients use, and ListNodes' client IPs, which follow a
// replaced broker; a broker restarting shows as REBOOTING_BROKER, then
// ACTIVE again.
func TestServeTheEnvironmentsCluster(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, srv := serveLocal(t, dir)
	info := e.Info()

	b, err := os.ReadFile(filepath.Join(dir, "info.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk localmsk.Info
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	if onDisk.ControlPlaneURL != srv.URL || srv.URL == "" {
		t.Fatalf("info.json control_plane_url %q, want %q", onDisk.ControlPlaneURL, srv.URL)
	}
	cfg := srv.Config()
	cfg.BaseEndpoint = aws.String(onDisk.ControlPlaneURL)
	msk := kafka.NewFromConfig(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	arn := aws.String(info.ClusterARN)

	state := func() kafkatypes.ClusterState {
		t.Helper()
		out, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return out.ClusterInfo.State
	}
	out, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	c, p := out.ClusterInfo, out.ClusterInfo.Provisioned
	var subnets []string
	for _, br := range info.Brokers {
		if !slices.Contains(subnets, br.ClientSubnetID) {
			subnets = append(subnets, br.ClientSubnetID)
		}
	}
	switch {
	case c.State != kafkatypes.ClusterStateActive || c.ClusterType != kafkatypes.ClusterTypeProvisioned || aws.ToString(c.ClusterName) != info.ClusterName:
		t.Errorf("cluster %s, %s, %s", c.State, c.ClusterType, aws.ToString(c.ClusterName))
	case aws.ToString(p.CurrentBrokerSoftwareInfo.KafkaVersion) != info.KafkaVersion:
		t.Errorf("Kafka version %q, want %q", aws.ToString(p.CurrentBrokerSoftwareInfo.KafkaVersion), info.KafkaVersion)
	case aws.ToString(p.BrokerNodeGroupInfo.InstanceType) != awsapi.InstanceType || aws.ToInt32(p.NumberOfBrokerNodes) != 3:
		t.Errorf("broker type %q, %d brokers", aws.ToString(p.BrokerNodeGroupInfo.InstanceType), aws.ToInt32(p.NumberOfBrokerNodes))
	case !slices.Equal(p.BrokerNodeGroupInfo.ClientSubnets, subnets) || len(subnets) != 3:
		t.Errorf("client subnets %v, want %v", p.BrokerNodeGroupInfo.ClientSubnets, subnets)
	case !slices.Equal(p.BrokerNodeGroupInfo.SecurityGroups, []string{localmsk.SecurityGroupID}):
		t.Errorf("security groups %v", p.BrokerNodeGroupInfo.SecurityGroups)
	case !aws.ToBool(p.ClientAuthentication.Sasl.Iam.Enabled):
		t.Error("IAM client authentication off")
	}
	boot, err := msk.GetBootstrapBrokers(ctx, &kafka.GetBootstrapBrokersInput{ClusterArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(boot.BootstrapBrokerStringSaslIam); got != info.BootstrapBrokersSASLIAM {
		t.Errorf("bootstrap %q, want %q", got, info.BootstrapBrokersSASLIAM)
	}
	nodeIPs := func() []string {
		t.Helper()
		nodes, err := msk.ListNodes(ctx, &kafka.ListNodesInput{ClusterArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		var ips []string
		for _, n := range nodes.NodeInfoList {
			ips = append(ips, aws.ToString(n.BrokerNodeInfo.ClientVpcIpAddress))
		}
		return ips
	}
	if got := nodeIPs(); !slices.Equal(got, []string{info.Brokers[0].ClientIP, info.Brokers[1].ClientIP, info.Brokers[2].ClientIP}) {
		t.Errorf("ListNodes client IPs %v", got)
	}

	if err := e.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	if got, want := nodeIPs()[1], e.Info().Brokers[1].ClientIP; got != want || got == info.Brokers[1].ClientIP {
		t.Errorf("ListNodes after broker 2's replacement: %s, want its new IP %s", got, want)
	}

	rctx, bringBack := context.WithCancel(ctx)
	returned := make(chan error, 1)
	go func() { returned <- e.RestartBroker(rctx, 3, time.Hour) }()
	for e.Restarting() != 3 {
		time.Sleep(5 * time.Millisecond)
	}
	if got := state(); got != kafkatypes.ClusterStateRebootingBroker {
		t.Errorf("state while broker 3 restarts: %s, want REBOOTING_BROKER", got)
	}
	bringBack()
	<-returned
	if got := state(); got != kafkatypes.ClusterStateActive {
		t.Errorf("state after the restart: %s, want ACTIVE", got)
	}
}

// serveLocal starts a local environment in dir and its control-plane
// stand-in, both closed when the test ends.
func serveLocal(t *testing.T, dir string) (*localmsk.Env, *awsfake.Server) {
	t.Helper()
	e, err := localmsk.Start(context.Background(), localmsk.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	srv, err := awsapi.Serve(e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return e, srv
}

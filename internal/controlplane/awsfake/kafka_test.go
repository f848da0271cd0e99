package awsfake_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	kafkatypes "github.com/aws/aws-sdk-go-v2/service/kafka/types"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
)

// TestMSKClusterThroughTheSDK reads DescribeClusterV2 and GetBootstrapBrokers
// through the real MSK client (REST-JSON): a provisioned cluster with IAM
// on 9098, its Kafka version, broker type, client subnets and security
// groups, and its SASL/IAM bootstrap string; a state change shows on the
// next call; another cluster's ARN is NotFoundException, and State.Errors
// fails each operation.
func TestMSKClusterThroughTheSDK(t *testing.T) {
	t.Parallel()
	d := awsfake.Sample()
	srv := awsfake.Start(awsfake.Healthy(d))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	msk := kafka.NewFromConfig(srv.Config())

	out, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(d.ClusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.ClusterInfo
	if c.ClusterType != kafkatypes.ClusterTypeProvisioned || c.State != kafkatypes.ClusterStateActive ||
		aws.ToString(c.ClusterArn) != d.ClusterARN || aws.ToString(c.ClusterName) != d.ClusterName || c.Provisioned == nil {
		t.Fatalf("DescribeClusterV2: %+v", c)
	}
	p := c.Provisioned
	var subnets []string
	for _, b := range d.Brokers {
		subnets = append(subnets, b.ClientSubnetID)
	}
	switch {
	case aws.ToString(p.CurrentBrokerSoftwareInfo.KafkaVersion) != "3.6.0":
		t.Errorf("Kafka version %q", aws.ToString(p.CurrentBrokerSoftwareInfo.KafkaVersion))
	case aws.ToString(p.BrokerNodeGroupInfo.InstanceType) != "kafka.m5.large":
		t.Errorf("broker type %q", aws.ToString(p.BrokerNodeGroupInfo.InstanceType))
	case !slices.Equal(p.BrokerNodeGroupInfo.ClientSubnets, subnets):
		t.Errorf("client subnets %v, want %v", p.BrokerNodeGroupInfo.ClientSubnets, subnets)
	case !slices.Equal(p.BrokerNodeGroupInfo.SecurityGroups, []string{d.BrokerSecurityGroupID}):
		t.Errorf("security groups %v", p.BrokerNodeGroupInfo.SecurityGroups)
	case p.ClientAuthentication == nil || !aws.ToBool(p.ClientAuthentication.Sasl.Iam.Enabled):
		t.Errorf("IAM client authentication not enabled: %+v", p.ClientAuthentication)
	case aws.ToInt32(p.NumberOfBrokerNodes) != int32(len(d.Brokers)):
		t.Errorf("%d broker nodes", aws.ToInt32(p.NumberOfBrokerNodes))
	case p.EncryptionInfo.EncryptionInTransit.ClientBroker != kafkatypes.ClientBrokerTls:
		t.Errorf("client-broker encryption %q", p.EncryptionInfo.EncryptionInTransit.ClientBroker)
	}

	boot, err := msk.GetBootstrapBrokers(ctx, &kafka.GetBootstrapBrokersInput{ClusterArn: aws.String(d.ClusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(boot.BootstrapBrokerStringSaslIam); got != d.BootstrapBrokersSASLIAM {
		t.Errorf("BootstrapBrokerStringSaslIam %q, want %q", got, d.BootstrapBrokersSASLIAM)
	}

	srv.Update(func(s *awsfake.State) { s.Cluster.State = "UPDATING" })
	if out, err = msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(d.ClusterARN)}); err != nil || out.ClusterInfo.State != kafkatypes.ClusterStateUpdating {
		t.Errorf("after Update: %v, %v", out, err)
	}

	other := d.ClusterARN + "x"
	var nf *kafkatypes.NotFoundException
	if _, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(other)}); !errors.As(err, &nf) {
		t.Errorf("DescribeClusterV2 of another cluster: %v, want NotFoundException", err)
	}
	if _, err := msk.GetBootstrapBrokers(ctx, &kafka.GetBootstrapBrokersInput{ClusterArn: aws.String(other)}); !errors.As(err, &nf) {
		t.Errorf("GetBootstrapBrokers of another cluster: %v, want NotFoundException", err)
	}
	srv.Update(func(s *awsfake.State) {
		s.Errors = map[string]awsfake.APIError{
			"DescribeClusterV2":   awsfake.AccessDenied("ForbiddenException", s.Account, "kafka:DescribeClusterV2"),
			"GetBootstrapBrokers": awsfake.AccessDenied("ForbiddenException", s.Account, "kafka:GetBootstrapBrokers"),
		}
	})
	var fe *kafkatypes.ForbiddenException
	if _, err := msk.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(d.ClusterARN)}); !errors.As(err, &fe) {
		t.Errorf("DescribeClusterV2 denied: %v, want ForbiddenException", err)
	}
	if _, err := msk.GetBootstrapBrokers(ctx, &kafka.GetBootstrapBrokersInput{ClusterArn: aws.String(d.ClusterARN)}); !errors.As(err, &fe) {
		t.Errorf("GetBootstrapBrokers denied: %v, want ForbiddenException", err)
	}
}

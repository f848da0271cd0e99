// Package awsapi serves the AWS control plane of a running local MSK-like
// environment: an awsfake (internal/controlplane/awsfake) whose state is
// the environment's own cluster, kept current as it changes. MSK
// DescribeClusterV2, GetBootstrapBrokers and ListNodes answer over their
// real wire protocol (a replaced broker's new client IP shows in
// ListNodes, a rolling restart as state UPDATING), so tools that read an
// existing cluster from AWS run against localmsk offline, pointed at it
// with AWS_ENDPOINT_URL. It lives beside package localmsk, not in it, so
// that verify --local does not link the AWS API clients awsfake needs.
package awsapi

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// Fixed facts of the local cluster that MSK reports and the environment
// does not model otherwise.
const (
	InstanceType   = "kafka.m5.large"
	CurrentVersion = "K3L0CA1MSKVPCE"
)

// State is the AWS state of e's cluster as MSK reports it now.
func State(e *localmsk.Env) *awsfake.State {
	info := e.Info()
	s := &awsfake.State{Region: info.Region, ClusterARN: info.ClusterARN}
	if parts := strings.Split(info.ClusterARN, ":"); len(parts) > 4 {
		s.Account = parts[4]
	}
	s.Cluster = awsfake.Cluster{
		Name:                    info.ClusterName,
		State:                   e.ClusterState(),
		KafkaVersion:            info.KafkaVersion,
		CurrentVersion:          CurrentVersion,
		InstanceType:            InstanceType,
		SecurityGroups:          []string{localmsk.SecurityGroupID},
		IAMAuth:                 true,
		BootstrapBrokersSASLIAM: info.BootstrapBrokersSASLIAM,
		Created:                 time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC),
	}
	for _, b := range info.Brokers {
		if !slices.Contains(s.Cluster.ClientSubnets, b.ClientSubnetID) {
			s.Cluster.ClientSubnets = append(s.Cluster.ClientSubnets, b.ClientSubnetID)
			// EC2 DescribeSubnets: where deploy --cluster-arn places the NLBs.
			s.Subnets = append(s.Subnets, awsfake.Subnet{ID: b.ClientSubnetID, VPCID: localmsk.VPCID, AvailabilityZone: b.AvailabilityZone,
				AvailabilityZoneID: localmsk.ZoneID(b.AvailabilityZone), CIDR: localmsk.SubnetCIDR(b.AvailabilityZone)})
		}
		s.Nodes = append(s.Nodes, awsfake.Node{
			BrokerID:     b.BrokerID,
			ClientIP:     b.ClientIP,
			ClientSubnet: b.ClientSubnetID,
			ENI:          eni(b.ClientIP),
			Endpoints:    []string{b.Hostname},
			InstanceType: InstanceType,
			KafkaVersion: info.KafkaVersion,
		})
	}
	return s
}

// eni names the network interface that holds ip: a broker replaced at a
// new IP has a new interface.
func eni(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	b := a.As4()
	return fmt.Sprintf("eni-0a1ca1%02x%02x%02x%02x00", b[0], b[1], b[2], b[3])
}

// Serve starts the control-plane stand-in for e's cluster, keeps its MSK
// state in step with e (OnChange), and records its URL in e's info.json
// (control_plane_url). Close it when e stops.
func Serve(e *localmsk.Env) (*awsfake.Server, error) {
	var mu sync.Mutex
	var srv *awsfake.Server
	e.OnChange(func() {
		mu.Lock()
		defer mu.Unlock()
		if srv == nil {
			return // Start below reads the state after this change
		}
		fresh := State(e)
		srv.Update(func(s *awsfake.State) {
			// Only what the environment owns: other operations (ELBv2,
			// EC2) may have changed the rest of the state.
			s.Cluster, s.Nodes = fresh.Cluster, fresh.Nodes
		})
	})
	mu.Lock()
	srv = awsfake.Start(State(e))
	mu.Unlock()
	if err := e.SetControlPlaneURL(srv.URL); err != nil {
		srv.Close()
		return nil, fmt.Errorf("record the control plane's URL: %w", err)
	}
	return srv, nil
}

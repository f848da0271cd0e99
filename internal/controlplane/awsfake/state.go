// Package awsfake serves the slice of the AWS APIs that the control-plane
// checks call, over their real wire protocols, from a plain struct that
// describes a deployment's AWS state:
//
//   - Amazon MSK (REST-JSON): ListNodes (GET /v1/clusters/{clusterArn}/nodes),
//     GetBootstrapBrokers (GET /v1/clusters/{clusterArn}/bootstrap-brokers),
//     DescribeClusterV2 (GET /api/v2/clusters/{clusterArn})
//   - Elastic Load Balancing v2 (AWS Query, XML): DescribeTargetHealth,
//     DescribeListeners, DescribeLoadBalancerAttributes, DescribeTags; and
//     the writes of a target group's targets, RegisterTargets and
//     DeregisterTargets, with the NLB's timing (targets.go: a new target is
//     initial, then healthy only if something listens at its address; a
//     deregistered one drains), eventual consistency (State.ReadLag) and
//     throttling on demand (State.Flaky)
//   - Amazon EC2 (EC2 Query, XML): DescribeSubnets,
//     DescribeVpcEndpointServiceConfigurations,
//     DescribeVpcEndpointServicePermissions, DescribeVpcEndpointConnections,
//     DescribeSecurityGroupRules; and the writes of an endpoint service's
//     lifecycle: AcceptVpcEndpointConnections, RejectVpcEndpointConnections,
//     DeleteVpcEndpointServiceConfigurations (refused while connections remain)
//   - IAM (AWS Query, XML): GetRole
//
// One httptest server answers all four; it tells them apart by the service
// in the request's SigV4 credential scope, so unsigned requests are refused
// the way AWS refuses them. Point aws-sdk-go-v2 at it with [Server.Config]
// (it sets aws.Config.BaseEndpoint, which every client copies into its
// Options.BaseEndpoint), or set one client's Options.BaseEndpoint to
// [Server.URL].
//
// Build a healthy state from Terraform outputs with [Healthy], break it the
// way operators break real deployments (a stale target IP, a pending
// endpoint connection, an opened security group, ...) with plain field
// edits, and make any operation fail with [State.Errors].
package awsfake

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// State is the AWS state the fake serves. Edit it freely between requests
// through [Server.Update].
type State struct {
	Region  string
	Account string

	ClusterARN string
	// Cluster is what DescribeClusterV2 and GetBootstrapBrokers say of
	// ClusterARN.
	Cluster Cluster
	// Nodes are the MSK broker nodes ListNodes returns, in order.
	Nodes []Node

	LoadBalancers []LoadBalancer
	TargetGroups  []TargetGroup

	EndpointServices []EndpointService
	// Subnets are what DescribeSubnets reports (the cluster's client
	// subnets: their VPC and zones).
	Subnets []Subnet
	// SecurityGroupRules are all rules of all groups; DescribeSecurityGroupRules
	// filters them by group-id.
	SecurityGroupRules []SecurityGroupRule

	Roles []Role

	// Errors makes an operation fail: key is the operation name
	// ("DescribeTargetHealth", "GetRole", "ListNodes", ...), value the error
	// the service returns instead of a result.
	Errors map[string]APIError
	// Delays holds an operation's answer back (until the client gives up),
	// to exercise timeouts: key is the operation name.
	Delays map[string]time.Duration
	// AcceptLatency is how long an accepted connection stays "pending"
	// before it is "available" (AWS takes seconds to a minute).
	AcceptLatency time.Duration

	// HealthCheck is how registered targets' health evolves (targets.go);
	// nil: DefaultHealthCheck, AWS's timing.
	HealthCheck *HealthCheck
	// ReadLag is how long a RegisterTargets or DeregisterTargets takes to
	// show in reads (eventual consistency); zero: at once.
	ReadLag time.Duration
	// Flaky makes an operation fail with these errors first, one per call,
	// then answer normally (throttling, eventual consistency): key is the
	// operation name, as for Errors.
	Flaky map[string][]APIError
	// Clock is the fake's time (health checks, draining, read lag,
	// connection acceptance); nil: the wall clock. A test that steps it
	// sees each state exactly, however slow the machine.
	Clock func() time.Time
	// Events are the target changes applied so far (targets.go).
	Events []TargetEvent

	pending []targetWrite
}

// Cluster is one provisioned MSK cluster as DescribeClusterV2 reports it
// (ClusterInfo with Provisioned); its broker count is len(State.Nodes).
type Cluster struct {
	Name string
	// Serverless makes it an MSK Serverless cluster (clusterType
	// SERVERLESS: no broker nodes, ListNodes refused); ClientSubnets and
	// SecurityGroups are then its VPC configuration's.
	Serverless bool
	// State as MSK reports it: ACTIVE, CREATING, UPDATING, REBOOTING_BROKER,
	// HEALING, MAINTENANCE, DELETING, FAILED; empty means ACTIVE.
	State          string
	KafkaVersion   string // e.g. 3.6.0
	CurrentVersion string // the version token MSK update calls take, e.g. K3AEGXETSR30VB
	InstanceType   string // broker type, e.g. kafka.m5.large, or express.m7g.large (Express brokers)
	ClientSubnets  []string
	SecurityGroups []string
	// IAMAuth is client_authentication.sasl.iam: SASL/IAM on port 9098.
	IAMAuth bool
	// BootstrapBrokersSASLIAM is GetBootstrapBrokers'
	// BootstrapBrokerStringSaslIam (host:9098,...); empty when IAM is off.
	BootstrapBrokersSASLIAM string
	Created                 time.Time
}

// Subnet is one VPC subnet as DescribeSubnets reports it.
type Subnet struct {
	ID                 string
	VPCID              string
	AvailabilityZone   string // us-east-1a
	AvailabilityZoneID string // use1-az1
	CIDR               string
	// State is available or pending; empty means available.
	State string
	// FreeIPs is availableIpAddressCount; 0 means 250 (a /24 in use).
	FreeIPs int
}

// Node is one MSK broker node (NodeInfo with BrokerNodeInfo).
type Node struct {
	BrokerID     int
	ClientIP     string // BrokerNodeInfo.ClientVpcIpAddress
	ClientSubnet string
	ENI          string
	Endpoints    []string // broker hostnames
	InstanceType string
	KafkaVersion string
}

// LoadBalancer is one network load balancer with its listeners and attributes.
type LoadBalancer struct {
	ARN       string
	CrossZone bool // attribute load_balancing.cross_zone.enabled
	Listeners []Listener
}

// Listener is one NLB listener with a single forward action.
type Listener struct {
	ARN            string
	Port           int32
	Protocol       string // TCP, TLS, UDP, TCP_UDP
	TargetGroupARN string
}

// TargetGroup is one target group and the health of its registered targets.
type TargetGroup struct {
	ARN     string
	Targets []Target
	// Tags as DescribeTags returns them (the module tags BrokerId).
	Tags map[string]string
	// Port is the group's port, a registered target's default; 0 means 9098.
	Port int32
}

// Target is one registered target and its health as DescribeTargetHealth reports it.
type Target struct {
	ID               string // IP address for target type ip
	Port             int32
	AvailabilityZone string
	State            string // initial | healthy | unhealthy | unused | draining | unavailable
	Reason           string // e.g. Target.FailedHealthChecks; empty when healthy
	Description      string
	// Registered is when RegisterTargets registered it: from then on its
	// State follows State.HealthCheck. Zero: State is as given (a
	// fixture's target; see State.MarkLive).
	Registered time.Time
	// Deregistered is when it began draining.
	Deregistered time.Time
}

// EndpointService is one VPC endpoint service configuration, its
// permissions and its endpoint connections.
type EndpointService struct {
	ID                 string
	Name               string
	State              string // Pending | Available | Deleting | Deleted | Failed
	AcceptanceRequired bool
	NLBARNs            []string
	AvailabilityZones  []string
	AllowedPrincipals  []string
	Connections        []Connection
}

// Connection is one VPC endpoint connected to an endpoint service.
type Connection struct {
	EndpointID string
	Owner      string // account ID of the endpoint owner
	// State as EC2 reports it: pendingAcceptance | pending | available |
	// deleting | deleted | rejected | failed | expired.
	State   string
	Created time.Time
	// Accepted is when AcceptVpcEndpointConnections accepted it (zero: never).
	Accepted time.Time
}

// SecurityGroupRule is one rule as DescribeSecurityGroupRules reports it.
type SecurityGroupRule struct {
	ID                string
	GroupID           string
	Egress            bool
	Protocol          string // "tcp", "udp", "icmp", "-1"
	FromPort, ToPort  int32  // -1 for all
	CIDRv4            string
	CIDRv6            string
	PrefixListID      string
	ReferencedGroupID string
	Description       string
}

// Role is one IAM role; TrustPolicy is the plain JSON document (the fake
// URL-encodes it on the wire, as IAM does).
type Role struct {
	Name        string
	ARN         string
	ID          string
	TrustPolicy string
	Created     time.Time
}

// APIError is an error a service returns instead of a result.
type APIError struct {
	Status  int    // HTTP status; 0 means 403 for AccessDenied-like codes, else 400
	Code    string // e.g. AccessDenied, UnauthorizedOperation, ForbiddenException
	Message string
}

// AccessDenied is the error a service returns when the caller's IAM policy
// lacks action (e.g. "elasticloadbalancing:DescribeTargetHealth"); code is
// the service's spelling (AccessDenied for ELBv2 and IAM,
// UnauthorizedOperation for EC2, ForbiddenException for MSK).
func AccessDenied(code, account, action string) APIError {
	return APIError{
		Status: 403,
		Code:   code,
		Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/mskvpce-verifier/session is not authorized to perform: %s because no identity-based policy allows the %s action",
			account, action, action),
	}
}

// TrustPolicy renders the trust policy the module writes for the Databricks
// role (see controlplane.TrustPolicy) with the default UC master role.
func TrustPolicy(roleARN, externalID string) string {
	return controlplane.TrustPolicy(controlplane.DatabricksUCMasterRoleARN, roleARN, externalID)
}

// Healthy renders the AWS state of a correctly deployed, fully connected
// module from its Terraform outputs: brokers at their client IPs, each NLB
// with one TCP/9098 listener forwarding to a target group (tagged BrokerId)
// whose only target is its broker (healthy), cross-zone off, endpoint services Available with
// the configured principals and one accepted connection each, the broker
// security group open on 9098 to the NLB security group only, the NLB
// security group open on 9098 to one operator CIDR (10.0.64.0/24), and a trust
// policy with both principals and a real external ID.
func Healthy(d tfoutputs.Deployment) *State {
	account := accountOf(d.ClusterARN)
	s := &State{Region: d.Region, Account: account, ClusterARN: d.ClusterARN}
	created := time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	s.Cluster = Cluster{
		Name: d.ClusterName, State: "ACTIVE", KafkaVersion: "3.6.0", CurrentVersion: "K3AEGXETSR30VB",
		InstanceType: "kafka.m5.large", SecurityGroups: []string{d.BrokerSecurityGroupID}, IAMAuth: true,
		BootstrapBrokersSASLIAM: d.BootstrapBrokersSASLIAM, Created: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC),
	}
	for i, b := range d.Brokers {
		if !slices.Contains(s.Cluster.ClientSubnets, b.ClientSubnetID) {
			s.Cluster.ClientSubnets = append(s.Cluster.ClientSubnets, b.ClientSubnetID)
			zoneID := b.AvailabilityZoneID
			if zoneID == "" {
				zoneID = ZoneID(d.Region, b.AvailabilityZone)
			}
			s.Subnets = append(s.Subnets, Subnet{ID: b.ClientSubnetID, VPCID: d.VPCID, AvailabilityZone: b.AvailabilityZone,
				AvailabilityZoneID: zoneID, CIDR: fmt.Sprintf("10.0.%d.0/24", i)})
		}
		s.Nodes = append(s.Nodes, Node{
			BrokerID:     b.ID,
			ClientIP:     b.ClientIP,
			ClientSubnet: b.ClientSubnetID,
			ENI:          fmt.Sprintf("eni-0%016x", b.ID),
			Endpoints:    []string{b.Hostname},
			InstanceType: "kafka.m5.large",
			KafkaVersion: "3.6.0",
		})
		s.LoadBalancers = append(s.LoadBalancers, LoadBalancer{
			ARN:       b.NLBARN,
			CrossZone: b.NLBCrossZone,
			Listeners: []Listener{{
				ARN:            listenerARN(b.NLBARN, b.ID),
				Port:           tfoutputs.KafkaIAMPort,
				Protocol:       "TCP",
				TargetGroupARN: b.TargetGroupARN,
			}},
		})
		s.TargetGroups = append(s.TargetGroups, TargetGroup{
			ARN:  b.TargetGroupARN,
			Tags: map[string]string{"BrokerId": strconv.Itoa(b.ID)},
			Targets: []Target{{
				ID: b.ClientIP, Port: tfoutputs.KafkaIAMPort, AvailabilityZone: b.AvailabilityZone, State: "healthy",
			}},
		})
		s.EndpointServices = append(s.EndpointServices, EndpointService{
			ID:                 b.EndpointServiceID,
			Name:               b.EndpointServiceName,
			State:              "Available",
			AcceptanceRequired: true,
			NLBARNs:            []string{b.NLBARN},
			AvailabilityZones:  []string{b.AvailabilityZone},
			AllowedPrincipals:  append([]string(nil), d.AllowedPrincipals...),
			Connections: []Connection{{
				EndpointID: fmt.Sprintf("vpce-0%016x", 0xdb00+b.ID),
				Owner:      "565502421330",
				State:      "available",
				Created:    created,
			}},
		})
	}
	s.SecurityGroupRules = []SecurityGroupRule{
		{ID: "sgr-0b0000000000000a1", GroupID: d.BrokerSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098,
			ReferencedGroupID: d.NLBSecurityGroupID, Description: "Kafka SASL/IAM from the per-broker NLBs"},
		{ID: "sgr-0b0000000000000e1", GroupID: d.BrokerSecurityGroupID, Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1,
			CIDRv4: "0.0.0.0/0"},
		{ID: "sgr-0c0000000000000a1", GroupID: d.NLBSecurityGroupID, Protocol: "tcp", FromPort: 9098, ToPort: 9098,
			CIDRv4: "10.0.64.0/24", Description: "Kafka SASL/IAM from operator CIDR 10.0.64.0/24 (in-VPC verification)"},
		{ID: "sgr-0c0000000000000e1", GroupID: d.NLBSecurityGroupID, Egress: true, Protocol: "tcp", FromPort: 9098, ToPort: 9098,
			ReferencedGroupID: d.BrokerSecurityGroupID},
	}
	s.Roles = []Role{{
		Name:        roleName(d),
		ARN:         d.RoleARN,
		ID:          "AROA2EXAMPLE7MSKVPCE1",
		TrustPolicy: TrustPolicy(d.RoleARN, "6a1c9f0e-2b7d-4e55-9c1b-1f3e8d2a7b40"),
		Created:     created,
	}}
	return s
}

// Sample is a three-broker deployment in the shape `terraform output -json`
// gives, for tests that need one without running Terraform.
func Sample() tfoutputs.Deployment {
	const (
		region  = "us-east-1"
		account = "111122223333"
		name    = "mskvpce-demo"
		uuid    = "7c1b2f3a-5d6e-4f70-8a9b-0c1d2e3f4a5b-2"
	)
	d := tfoutputs.Deployment{
		Region:                region,
		ClusterARN:            fmt.Sprintf("arn:aws:kafka:%s:%s:cluster/%s/%s", region, account, name, uuid),
		ClusterName:           name,
		ClusterUUID:           uuid,
		VPCID:                 "vpc-0a1b2c3d4e5f60718",
		BrokerSecurityGroupID: "sg-0b7a1c2d3e4f50617",
		NLBSecurityGroupID:    "sg-0c8b2d3e4f5a61728",
		RoleARN:               fmt.Sprintf("arn:aws:iam::%s:role/mskvpce-demo-databricks-msk", account),
		RoleName:              "mskvpce-demo-databricks-msk",
		AllowedPrincipals:     []string{"arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"},
	}
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	var boot []string
	for i := 1; i <= 3; i++ {
		host := fmt.Sprintf("b-%d.%s.x1y2z3.c2.kafka.%s.amazonaws.com", i, name, region)
		boot = append(boot, fmt.Sprintf("%s:%d", host, tfoutputs.KafkaIAMPort))
		nlb := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/%s-nlb-%d/%016x", region, account, name, i, 0x50e1+i)
		d.Brokers = append(d.Brokers, tfoutputs.Broker{
			ID:                  i,
			Hostname:            host,
			ClientIP:            fmt.Sprintf("10.0.%d.%d", i, 100+i),
			ClientSubnetID:      fmt.Sprintf("subnet-0%016x", 0x5b+i),
			AvailabilityZone:    azs[i-1],
			NLBARN:              nlb,
			NLBDNSName:          fmt.Sprintf("%s-nlb-%d-%08x.elb.%s.amazonaws.com", name, i, 0xd15+i, region),
			TargetGroupARN:      fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%016x", region, account, TargetGroupName(name, i, i), 0x7a+i),
			EndpointServiceID:   fmt.Sprintf("vpce-svc-0%016x", 0xe5+i),
			EndpointServiceName: fmt.Sprintf("com.amazonaws.vpce.%s.vpce-svc-0%016x", region, 0xe5+i),
		})
	}
	d.BootstrapBrokersSASLIAM = strings.Join(boot, ",")
	// The Databricks half as the module outputs it: one established rule
	// per broker, on its service, carrying its hostname; each rule's
	// endpoint is the connection Healthy accepts.
	d.Databricks = &tfoutputs.Databricks{
		CredentialName:              name + "-msk",
		ExternalID:                  "5d2c9f0e-8b1a-4c3d-9e7f-0a1b2c3d4e5f",
		NetworkConnectivityConfigID: "9f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
	}
	for _, b := range d.Brokers {
		d.Databricks.Rules = append(d.Databricks.Rules, tfoutputs.DatabricksRule{
			BrokerID:        b.ID,
			Hostname:        b.Hostname,
			RuleID:          fmt.Sprintf("0a1b2c3d-0000-4000-8000-%012x", b.ID),
			EndpointService: b.EndpointServiceName,
			DomainNames:     []string{b.Hostname},
			VPCEndpointID:   fmt.Sprintf("vpce-0%016x", 0xdb00+b.ID),
			ConnectionState: "ESTABLISHED",
		})
	}
	return d
}

// TargetGroupName is the name the AWS provider gives broker n's target group of
// the msk-vpce module with this prefix: the module's name_prefix (up to five
// characters of the prefix, the broker number, a hyphen) and the provider's
// 26-character unique suffix (an 18-digit UTC timestamp, then a counter as
// 8 hex digits; serial stands in for the counter).
func TargetGroupName(prefix string, n, serial int) string {
	digits := strconv.Itoa(n)
	keep := min(5-len(digits), len(prefix))
	return fmt.Sprintf("%s%s-%s%08x", prefix[:keep], digits, "202601020304050000", serial)
}

// ZoneID makes up the zone ID of zone (us-east-1b → use1-az2): AWS maps
// names to IDs per account; tests need one that is stable.
func ZoneID(region, zone string) string {
	letter, ok := strings.CutPrefix(zone, region)
	if !ok || len(letter) != 1 {
		return ""
	}
	var short strings.Builder
	parts := strings.Split(region, "-")
	for i, p := range parts {
		switch {
		case i == len(parts)-1:
			short.WriteString(p)
		case i == 0:
			short.WriteString(p)
		default:
			short.WriteByte(p[0])
		}
	}
	return fmt.Sprintf("%s-az%d", short.String(), letter[0]-'a'+1)
}

// accountOf returns the account field of an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

func roleName(d tfoutputs.Deployment) string {
	if d.RoleName != "" {
		return d.RoleName
	}
	return d.RoleARN[strings.LastIndex(d.RoleARN, "/")+1:]
}

// listenerARN derives a listener ARN from its load balancer's ARN, as ELBv2 shapes them.
func listenerARN(nlbARN string, n int) string {
	return strings.Replace(nlbARN, ":loadbalancer/", ":listener/", 1) + fmt.Sprintf("/%016x", 0x11+n)
}

// trustPolicyOnWire is the document as IAM returns it: URL-encoded (RFC 3986).
func trustPolicyOnWire(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

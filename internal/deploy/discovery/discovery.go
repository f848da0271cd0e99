// Package discovery reads an existing MSK cluster from the AWS API, given
// its ARN, and says whether the existing-cluster root
// (terraform/examples/existing-cluster) can put a PrivateLink path in front
// of each of its brokers: what `deploy plan|apply --cluster-arn` prints, and
// refuses, before any plan. It reads (MSK DescribeClusterV2, ListNodes,
// GetBootstrapBrokers; EC2 DescribeSubnets) and never changes anything.
package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kafka"
	kafkatypes "github.com/aws/aws-sdk-go-v2/service/kafka/types"
	"github.com/aws/smithy-go"
)

// MaxDomainNamesPerRule is Databricks' limit on one NCC private endpoint
// rule's domain_names.
const MaxDomainNamesPerRule = 10

// minFreeIPs is what an NLB needs in each of its subnets (Elastic Load
// Balancing: "at least 8 free IP addresses").
const minFreeIPs = 8

// reARN is an MSK cluster ARN: arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>.
var reARN = regexp.MustCompile(`^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):([0-9]{12}):cluster/([A-Za-z0-9-]{1,64})/([A-Za-z0-9-]+)$`)

// ARN is a parsed MSK cluster ARN.
type ARN struct {
	Partition, Region, Account, Name, UUID string
}

// ParseARN parses an MSK cluster ARN; the error says what one looks like.
func ParseARN(s string) (ARN, error) {
	m := reARN.FindStringSubmatch(s)
	if m == nil {
		return ARN{}, fmt.Errorf("%q is not an MSK cluster ARN: want arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> (aws kafka list-clusters-v2 lists them)", s)
	}
	return ARN{Partition: m[1], Region: m[2], Account: m[3], Name: m[4], UUID: m[5]}, nil
}

// Cluster is what discovery found.
type Cluster struct {
	ARN    string `json:"cluster_arn"`
	Name   string `json:"cluster_name"`
	Region string `json:"region"`
	// Type is PROVISIONED or SERVERLESS.
	Type  string `json:"cluster_type"`
	State string `json:"state"`
	// KafkaVersion and BrokerType (instance type) are empty for Serverless.
	KafkaVersion string `json:"kafka_version,omitempty"`
	BrokerType   string `json:"broker_type,omitempty"`
	// Express: the brokers are Express brokers (express.*), which bootstrap
	// through boot-… names that are no broker's.
	Express bool `json:"express"`
	// AuthModes are the client authentication modes turned on: IAM
	// (SASL/IAM on 9098, what Databricks uses), SCRAM, TLS, unauthenticated.
	AuthModes      []string `json:"auth_modes"`
	ClientSubnets  []string `json:"client_subnets"`
	SecurityGroups []string `json:"security_groups"`
	// VPCID is the brokers' VPC (empty when their subnets disagree: VPCs).
	VPCID     string   `json:"vpc_id"`
	VPCs      []string `json:"vpcs"`
	Zones     []Zone   `json:"zones"`
	Brokers   []Broker `json:"brokers"`
	Bootstrap []string `json:"bootstrap_brokers_sasl_iam"`
	// Subnets are the client subnets as EC2 reports them (for the refusals).
	Subnets []Subnet `json:"-"`
}

// Zone is one availability zone the brokers are in.
type Zone struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Subnet string `json:"subnet_id"`
}

// Subnet is one client subnet as EC2 reports it.
type Subnet struct {
	ID, VPCID, Zone, ZoneID, State, OutpostARN string
	FreeIPs                                    int
}

// Broker is one broker node.
type Broker struct {
	ID       int    `json:"broker_id"`
	Hostname string `json:"hostname"`
	ClientIP string `json:"client_ip"`
	Subnet   string `json:"client_subnet_id"`
	Zone     string `json:"availability_zone"`
	ZoneID   string `json:"availability_zone_id"`
	// DomainNames are the names its NCC rule carries: its hostname, then
	// the bootstrap names that are no broker's given to it, spread in
	// broker-id order (as terraform/modules/msk-privatelink does).
	DomainNames []string `json:"domain_names"`
}

// IAM reports whether SASL/IAM is on.
func (c Cluster) IAM() bool { return slices.Contains(c.AuthModes, "IAM") }

// Refusal is a reason the existing-cluster root cannot front the cluster,
// with the fix.
type Refusal struct {
	Problem string `json:"problem"`
	Fix     string `json:"fix"`
}

func (r Refusal) String() string { return r.Problem + ": " + r.Fix }

// Error is a refusal found before or during discovery (exit 2).
type Error struct {
	Refusals []Refusal
	// What leads the message; empty: the existing-cluster root cannot
	// front this cluster.
	What string
}

func (e *Error) Error() string {
	what := e.What
	if what == "" {
		what = "the existing-cluster root cannot front this cluster"
	}
	if len(e.Refusals) == 1 {
		return what + ": " + e.Refusals[0].String()
	}
	parts := make([]string, len(e.Refusals))
	for i, r := range e.Refusals {
		parts[i] = "  - " + r.String()
	}
	return what + ":\n" + strings.Join(parts, "\n")
}

// Clients are the AWS APIs discovery reads.
type Clients struct {
	MSK *kafka.Client
	EC2 *ec2.Client
}

// NewClients builds them from one configuration.
func NewClients(cfg aws.Config) Clients {
	return Clients{MSK: kafka.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg)}
}

// CheckRegion refuses a cluster in another region than region (the
// provider's): NLBs and endpoint services must be in the cluster's region.
func CheckRegion(a ARN, region string) error {
	if a.Region == region {
		return nil
	}
	return &Error{Refusals: []Refusal{{
		Problem: fmt.Sprintf("the cluster is in %s, the deployment's region (--region) is %s", a.Region, region),
		Fix:     fmt.Sprintf("pass --region %s: the NLBs and endpoint services must be in the cluster's region (consumers in other regions: supported_regions)", a.Region),
	}}}
}

// Discover reads the cluster. A cluster that does not exist (a stale ARN)
// is an *Error; so is one whose refusals make the rest unreadable
// (Serverless has no nodes). Call Refusals on the result for the rest.
func Discover(ctx context.Context, c Clients, arn string) (Cluster, error) {
	a, err := ParseARN(arn)
	if err != nil {
		return Cluster{}, &Error{Refusals: []Refusal{{Problem: err.Error(), Fix: "pass the ARN `aws kafka list-clusters-v2` shows"}}}
	}
	out, err := c.MSK.DescribeClusterV2(ctx, &kafka.DescribeClusterV2Input{ClusterArn: aws.String(arn)})
	if err != nil {
		var nf *kafkatypes.NotFoundException
		if errors.As(err, &nf) {
			return Cluster{}, &Error{Refusals: []Refusal{{
				Problem: fmt.Sprintf("MSK has no cluster %s in account %s, %s (deleted, or created again under a new ARN?)", arn, a.Account, a.Region),
				Fix:     fmt.Sprintf("pass the current ARN: aws kafka list-clusters-v2 --region %s --cluster-name-filter %s", a.Region, a.Name),
			}}}
		}
		return Cluster{}, fmt.Errorf("read cluster %s (kafka:DescribeClusterV2): %w", arn, err)
	}
	ci := out.ClusterInfo
	if ci == nil {
		return Cluster{}, fmt.Errorf("read cluster %s (kafka:DescribeClusterV2): no cluster information in the answer", arn)
	}
	cl := Cluster{ARN: arn, Name: aws.ToString(ci.ClusterName), Region: a.Region, Type: string(ci.ClusterType), State: string(ci.State)}
	switch {
	case ci.Serverless != nil || ci.ClusterType == kafkatypes.ClusterTypeServerless:
		cl.Type = string(kafkatypes.ClusterTypeServerless)
		if s := ci.Serverless; s != nil {
			if s.ClientAuthentication != nil && s.ClientAuthentication.Sasl != nil && s.ClientAuthentication.Sasl.Iam != nil && aws.ToBool(s.ClientAuthentication.Sasl.Iam.Enabled) {
				cl.AuthModes = append(cl.AuthModes, "IAM")
			}
			for _, v := range s.VpcConfigs {
				cl.ClientSubnets = append(cl.ClientSubnets, v.SubnetIds...)
				cl.SecurityGroups = append(cl.SecurityGroups, v.SecurityGroupIds...)
			}
		}
		// No broker nodes to read (ListNodes refuses a serverless cluster).
		return cl, nil
	case ci.Provisioned == nil:
		return Cluster{}, fmt.Errorf("read cluster %s (kafka:DescribeClusterV2): cluster type %q without its provisioned details", arn, ci.ClusterType)
	}
	p := ci.Provisioned
	cl.Type = string(kafkatypes.ClusterTypeProvisioned)
	if p.CurrentBrokerSoftwareInfo != nil {
		cl.KafkaVersion = aws.ToString(p.CurrentBrokerSoftwareInfo.KafkaVersion)
	}
	if g := p.BrokerNodeGroupInfo; g != nil {
		cl.BrokerType = aws.ToString(g.InstanceType)
		cl.ClientSubnets = append(cl.ClientSubnets, g.ClientSubnets...)
		cl.SecurityGroups = append(cl.SecurityGroups, g.SecurityGroups...)
	}
	cl.Express = strings.HasPrefix(cl.BrokerType, "express.")
	cl.AuthModes = authModes(p.ClientAuthentication)

	nodes := kafka.NewListNodesPaginator(c.MSK, &kafka.ListNodesInput{ClusterArn: aws.String(arn)})
	for nodes.HasMorePages() {
		page, err := nodes.NextPage(ctx)
		if err != nil {
			return Cluster{}, fmt.Errorf("list the brokers of %s (kafka:ListNodes): %w", arn, err)
		}
		for _, n := range page.NodeInfoList {
			b := n.BrokerNodeInfo
			if b == nil || b.BrokerId == nil {
				continue // a controller or ZooKeeper node
			}
			br := Broker{ID: int(aws.ToFloat64(b.BrokerId)), ClientIP: aws.ToString(b.ClientVpcIpAddress), Subnet: aws.ToString(b.ClientSubnet)}
			if len(b.Endpoints) > 0 {
				br.Hostname = strings.ToLower(b.Endpoints[0])
			}
			cl.Brokers = append(cl.Brokers, br)
		}
	}
	sort.Slice(cl.Brokers, func(i, j int) bool { return cl.Brokers[i].ID < cl.Brokers[j].ID })

	if cl.IAM() {
		boot, err := c.MSK.GetBootstrapBrokers(ctx, &kafka.GetBootstrapBrokersInput{ClusterArn: aws.String(arn)})
		if err != nil {
			return Cluster{}, fmt.Errorf("read the bootstrap brokers of %s (kafka:GetBootstrapBrokers): %w", arn, err)
		}
		for _, hp := range strings.Split(aws.ToString(boot.BootstrapBrokerStringSaslIam), ",") {
			if hp = strings.TrimSpace(hp); hp != "" {
				cl.Bootstrap = append(cl.Bootstrap, hp)
			}
		}
	}
	cl.spreadBootstrap()

	var ids []string
	for _, s := range cl.ClientSubnets {
		if !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	for _, b := range cl.Brokers {
		if b.Subnet != "" && !slices.Contains(ids, b.Subnet) {
			ids = append(ids, b.Subnet)
		}
	}
	if len(ids) > 0 {
		out, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: ids})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "InvalidSubnetID.NotFound" {
				return Cluster{}, &Error{Refusals: []Refusal{{
					Problem: fmt.Sprintf("a client subnet of the brokers does not exist (%s)", ae.ErrorMessage()),
					Fix:     "check that the AWS credentials are the cluster's account's (--profile) and that the cluster is healthy (aws kafka describe-cluster-v2)",
				}}}
			}
			return Cluster{}, fmt.Errorf("read the brokers' subnets %s (ec2:DescribeSubnets): %w", strings.Join(ids, ", "), err)
		}
		for _, s := range out.Subnets {
			cl.Subnets = append(cl.Subnets, Subnet{
				ID: aws.ToString(s.SubnetId), VPCID: aws.ToString(s.VpcId), Zone: aws.ToString(s.AvailabilityZone),
				ZoneID: aws.ToString(s.AvailabilityZoneId), State: string(s.State), OutpostARN: aws.ToString(s.OutpostArn),
				FreeIPs: int(aws.ToInt32(s.AvailableIpAddressCount)),
			})
		}
	}
	cl.place()
	return cl, nil
}

func authModes(a *kafkatypes.ClientAuthentication) []string {
	var out []string
	if a == nil {
		return out
	}
	if a.Sasl != nil && a.Sasl.Iam != nil && aws.ToBool(a.Sasl.Iam.Enabled) {
		out = append(out, "IAM")
	}
	if a.Sasl != nil && a.Sasl.Scram != nil && aws.ToBool(a.Sasl.Scram.Enabled) {
		out = append(out, "SCRAM")
	}
	if a.Tls != nil && aws.ToBool(a.Tls.Enabled) {
		out = append(out, "TLS")
	}
	if a.Unauthenticated != nil && aws.ToBool(a.Unauthenticated.Enabled) {
		out = append(out, "unauthenticated")
	}
	return out
}

// spreadBootstrap gives each bootstrap hostname that is no broker's (an
// Express boot-… name) to one broker, in broker-id order, as the module
// does: sorted, the j-th to the (j mod n)-th broker.
func (c *Cluster) spreadBootstrap() {
	own := map[string]bool{}
	for _, b := range c.Brokers {
		own[b.Hostname] = true
	}
	var extra []string
	for _, hp := range c.Bootstrap {
		h := hp
		if host, _, err := net.SplitHostPort(hp); err == nil {
			h = host
		}
		h = strings.ToLower(h)
		if !own[h] && !slices.Contains(extra, h) {
			extra = append(extra, h)
		}
	}
	sort.Strings(extra)
	for i := range c.Brokers {
		c.Brokers[i].DomainNames = []string{c.Brokers[i].Hostname}
	}
	if len(c.Brokers) == 0 {
		return
	}
	for j, h := range extra {
		b := &c.Brokers[j%len(c.Brokers)]
		b.DomainNames = append(b.DomainNames, h)
	}
}

// place fills the VPCs and zones from the subnets.
func (c *Cluster) place() {
	bySubnet := map[string]Subnet{}
	for _, s := range c.Subnets {
		bySubnet[s.ID] = s
		if !slices.Contains(c.VPCs, s.VPCID) {
			c.VPCs = append(c.VPCs, s.VPCID)
		}
	}
	sort.Strings(c.VPCs)
	if len(c.VPCs) == 1 {
		c.VPCID = c.VPCs[0]
	}
	for _, id := range c.ClientSubnets {
		if s, ok := bySubnet[id]; ok && !slices.ContainsFunc(c.Zones, func(z Zone) bool { return z.Subnet == id }) {
			c.Zones = append(c.Zones, Zone{Name: s.Zone, ID: s.ZoneID, Subnet: id})
		}
	}
	sort.Slice(c.Zones, func(i, j int) bool { return c.Zones[i].Name < c.Zones[j].Name })
	for i, b := range c.Brokers {
		if s, ok := bySubnet[b.Subnet]; ok {
			c.Brokers[i].Zone, c.Brokers[i].ZoneID = s.Zone, s.ZoneID
		}
	}
}

// Refusals are the reasons the existing-cluster root cannot front the
// cluster, each with its fix; none means it can.
func (c Cluster) Refusals() []Refusal {
	var out []Refusal
	if c.Type == string(kafkatypes.ClusterTypeServerless) {
		return append(out, Refusal{
			Problem: fmt.Sprintf("%s is an MSK Serverless cluster: it has no per-broker addresses, so there is no broker to put an NLB and endpoint service in front of", c.ARN),
			Fix:     "for MSK Serverless use its own private connectivity (an interface endpoint or managed VPC connection to the cluster, see the MSK Serverless documentation); this tool is for provisioned clusters (Standard or Express brokers)",
		})
	}
	if c.State != string(kafkatypes.ClusterStateActive) {
		out = append(out, Refusal{
			Problem: fmt.Sprintf("the cluster is %s, not ACTIVE: its brokers and their addresses may still change", c.State),
			Fix:     fmt.Sprintf("wait until it is ACTIVE (aws kafka describe-cluster-v2 --region %s --cluster-arn %s --query ClusterInfo.State), then run again", c.Region, c.ARN),
		})
	}
	if !c.IAM() {
		modes := "none"
		if len(c.AuthModes) > 0 {
			modes = strings.Join(c.AuthModes, ", ")
		}
		out = append(out, Refusal{
			Problem: fmt.Sprintf("IAM authentication is not enabled (client authentication: %s): the cluster has no SASL/IAM listener on 9098, and Databricks serverless authenticates with AWS_MSK_IAM", modes),
			Fix:     fmt.Sprintf("turn it on (console: Properties → Security settings; or aws kafka update-security --region %s --cluster-arn %s --client-authentication 'Sasl={Iam={Enabled=true}}' --current-version <current version>), wait until the cluster is ACTIVE again, then run again", c.Region, c.ARN),
		})
	}
	if len(c.Brokers) == 0 {
		out = append(out, Refusal{
			Problem: "MSK reports no broker nodes for the cluster",
			Fix:     "wait until the cluster is ACTIVE with its brokers (aws kafka list-nodes), then run again",
		})
	}
	for _, b := range c.Brokers {
		if b.Hostname == "" || b.ClientIP == "" || b.Subnet == "" {
			out = append(out, Refusal{
				Problem: fmt.Sprintf("MSK reports broker %d without its hostname, client IP or client subnet", b.ID),
				Fix:     "wait until the cluster is ACTIVE (a broker being replaced has no address yet), then run again",
			})
		}
	}
	out = append(out, c.placementRefusals()...)
	for _, b := range c.Brokers {
		if len(b.DomainNames) > MaxDomainNamesPerRule {
			out = append(out, Refusal{
				Problem: fmt.Sprintf("broker %d's NCC rule would carry %d domain names (its hostname and %d bootstrap names); Databricks allows %d per rule", b.ID, len(b.DomainNames), len(b.DomainNames)-1, MaxDomainNamesPerRule),
				Fix:     "this cluster has more bootstrap hostnames than its brokers' rules can carry: ask AWS support, or front a cluster with more brokers",
			})
		}
	}
	return out
}

// placementRefusals: the NLBs go into the brokers' client subnets, in one
// VPC, each subnet with room for an NLB's addresses and in a Region zone.
func (c Cluster) placementRefusals() []Refusal {
	var out []Refusal
	if len(c.VPCs) > 1 {
		var where []string
		for _, s := range c.Subnets {
			where = append(where, s.ID+" in "+s.VPCID)
		}
		sort.Strings(where)
		out = append(out, Refusal{
			Problem: fmt.Sprintf("the brokers' client subnets are in %d VPCs (%s): each NLB must sit in the VPC of the broker it targets, and the module builds one NLB security group in one VPC", len(c.VPCs), strings.Join(where, ", ")),
			Fix:     "front a cluster whose client subnets are all in one VPC",
		})
	}
	known := map[string]bool{}
	for _, s := range c.Subnets {
		known[s.ID] = true
		switch {
		case s.OutpostARN != "":
			out = append(out, Refusal{
				Problem: fmt.Sprintf("client subnet %s is on an Outpost (%s): Network Load Balancers cannot be placed there", s.ID, s.OutpostARN),
				Fix:     "front a cluster whose client subnets are in the Region's availability zones",
			})
		case s.State != "" && s.State != "available":
			out = append(out, Refusal{
				Problem: fmt.Sprintf("client subnet %s is %s, not available", s.ID, s.State),
				Fix:     "wait until it is available, then run again",
			})
		case s.FreeIPs < minFreeIPs:
			out = append(out, Refusal{
				Problem: fmt.Sprintf("client subnet %s (%s) has %d free IP addresses; an NLB needs at least %d in each of its subnets", s.ID, s.Zone, s.FreeIPs, minFreeIPs),
				Fix:     fmt.Sprintf("free addresses in %s (release unused network interfaces), then run again", s.ID),
			})
		}
	}
	for _, b := range c.Brokers {
		if b.Subnet != "" && !known[b.Subnet] {
			out = append(out, Refusal{
				Problem: fmt.Sprintf("broker %d's client subnet %s was not found", b.ID, b.Subnet),
				Fix:     "check that the credentials are the cluster's account's (--profile), then run again",
			})
		}
	}
	return out
}

// Describe writes what was found, one fact a line.
func (c Cluster) Describe() string {
	var b strings.Builder
	kind := c.Type
	if c.Type == string(kafkatypes.ClusterTypeProvisioned) {
		kind = "provisioned, Standard brokers"
		if c.Express {
			kind = "provisioned, Express brokers"
		}
	}
	modes := "none"
	if len(c.AuthModes) > 0 {
		modes = strings.Join(c.AuthModes, ", ")
	}
	vpc := c.VPCID
	if vpc == "" {
		vpc = strings.Join(c.VPCs, ", ")
	}
	fmt.Fprintf(&b, "Existing cluster %s (from the AWS API; nothing created or changed):\n", c.ARN)
	fmt.Fprintf(&b, "  Name:            %s\n  Type:            %s\n  State:           %s\n", c.Name, kind, c.State)
	if c.KafkaVersion != "" {
		fmt.Fprintf(&b, "  Kafka version:   %s\n", c.KafkaVersion)
	}
	if c.BrokerType != "" {
		fmt.Fprintf(&b, "  Broker type:     %s\n", c.BrokerType)
	}
	fmt.Fprintf(&b, "  Authentication:  %s\n  VPC:             %s\n", modes, vpc)
	if len(c.SecurityGroups) > 0 {
		fmt.Fprintf(&b, "  Security groups: %s\n", strings.Join(c.SecurityGroups, ", "))
	}
	if len(c.Zones) > 0 {
		var zs []string
		for _, z := range c.Zones {
			zs = append(zs, fmt.Sprintf("%s (%s, %s)", z.Name, z.ID, z.Subnet))
		}
		fmt.Fprintf(&b, "  Zones:           %s\n", strings.Join(zs, ", "))
	}
	if len(c.Bootstrap) > 0 {
		fmt.Fprintf(&b, "  Bootstrap (IAM): %s\n", strings.Join(c.Bootstrap, ","))
	}
	if len(c.Brokers) > 0 {
		fmt.Fprintf(&b, "  Brokers:         %d\n", len(c.Brokers))
	}
	for _, br := range c.Brokers {
		fmt.Fprintf(&b, "    broker %-3s %s  %s  %s (%s)", strconv.Itoa(br.ID), br.Hostname, br.ClientIP, br.Zone, br.Subnet)
		if len(br.DomainNames) > 1 {
			fmt.Fprintf(&b, "  also resolves %s", strings.Join(br.DomainNames[1:], ", "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

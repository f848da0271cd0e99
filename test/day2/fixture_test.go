package day2

import "fmt"

// What the offline AWS reports: one account in us-east-1, a cluster
// "day2-msk" in a VPC of three subnets (10.0.0.0/16 split as the greenfield
// module splits it), its brokers, and what a mock apply gives the resources
// the configuration creates, so that the reads after an apply agree with it.
const (
	region     = "us-east-1"
	account    = "123456789012"
	prefix     = "day2"
	clusterARN = "arn:aws:kafka:us-east-1:123456789012:cluster/day2-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
	vpcID      = "vpc-0day2"
	brokerSG   = "sg-0day2brokers"
	nlbSG      = "sg-0day2nlb"
)

var (
	zoneNames = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	zoneIDs   = []string{"use1-az1", "use1-az2", "use1-az4"}
	cidrs     = []string{"10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"}
)

func subnetID(zone int) string { return fmt.Sprintf("subnet-0day2%c", 'a'+zone) }

// broker is one MSK broker node: MSK spreads brokers over the zones in id
// order; ip is its client address.
type broker struct {
	id int
	ip string
}

func (b broker) zone() int { return (b.id - 1) % 3 }
func (b broker) hostname() string {
	return fmt.Sprintf("b-%d.day2msk.abc123.c2.kafka.us-east-1.amazonaws.com", b.id)
}

// brokers returns MSK's nodes with these ids, each at its usual address.
func brokers(ids ...int) []broker {
	var out []broker
	for _, id := range ids {
		out = append(out, broker{id: id, ip: fmt.Sprintf("10.0.%d.%d", 64*((id-1)%3), 10+id)})
	}
	return out
}

// cluster is what MSK reports.
type cluster struct {
	brokers []broker
	// volume is each broker's EBS size now (default 1000).
	volume int
	// autoscaled: the cluster's Name tag is found (storage autoscaling looks).
	autoscaled bool
}

func (c cluster) fixture() map[string]any {
	volume := c.volume
	if volume == 0 {
		volume = 1000
	}
	var nodes []map[string]any
	var bootstrap string
	for i, b := range c.brokers {
		nodes = append(nodes, map[string]any{
			"attached_eni_id": fmt.Sprintf("eni-0day2%d", b.id), "broker_id": b.id,
			"client_subnet": subnetID(b.zone()), "client_vpc_ip_address": b.ip,
			"endpoints": []string{b.hostname()},
			"node_arn":  fmt.Sprintf("arn:aws:kafka:us-east-1:123456789012:broker/day2-msk/0b1c2d3e/%d", b.id),
		})
		if i < 3 { // MSK bootstraps from (up to) three brokers
			if bootstrap != "" {
				bootstrap += ","
			}
			bootstrap += b.hostname() + ":9098"
		}
	}
	var subnets []map[string]any
	var resSubnets []map[string]any
	var clientSubnets []string
	for z := range zoneNames {
		subnets = append(subnets, map[string]any{"id": subnetID(z), "vpc_id": vpcID, "availability_zone": zoneNames[z], "availability_zone_id": zoneIDs[z], "cidr_block": cidrs[z]})
		resSubnets = append(resSubnets, map[string]any{"cidr_block": cidrs[z], "id": subnetID(z), "availability_zone_id": zoneIDs[z]})
		clientSubnets = append(clientSubnets, subnetID(z))
	}
	mskCluster := map[string]any{
		"arn": clusterARN, "cluster_name": "day2-msk", "bootstrap_brokers_sasl_iam": bootstrap, "kafka_version": "3.9.x",
		"broker_node_group_info": []map[string]any{{
			"az_distribution": "DEFAULT", "client_subnets": clientSubnets, "security_groups": []string{brokerSG},
			"instance_type": "kafka.m5.large", "connectivity_info": []any{},
			"storage_info": []map[string]any{{"ebs_storage_info": []map[string]any{{"volume_size": volume, "provisioned_throughput": []any{}}}}},
		}},
	}
	var mappings []map[string]any
	if c.autoscaled {
		mappings = []map[string]any{{"resource_arn": clusterARN, "tags": map[string]string{"Name": "day2-msk"}, "compliance_details": []any{}}}
	}
	return map[string]any{
		"aws_availability_zones":                 map[string]any{"id": region, "names": zoneNames, "zone_ids": zoneIDs, "group_names": []string{region}},
		"aws_caller_identity":                    map[string]any{"id": account, "account_id": account, "arn": "arn:aws:iam::123456789012:user/day2", "user_id": "AIDADAY2"},
		"aws_partition":                          map[string]any{"id": "aws", "partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"},
		"aws_region":                             map[string]any{"id": region, "name": region, "region": region},
		"aws_msk_broker_nodes":                   map[string]any{"node_info_list": nodes},
		"aws_msk_cluster":                        mskCluster,
		"aws_subnet":                             subnets,
		"aws_resourcegroupstaggingapi_resources": map[string]any{"resource_tag_mapping_list": mappings},
		"aws_vpc_endpoint_service":               map[string]any{"availability_zones": []string{zoneNames[0]}},
		"resource.aws_subnet":                    resSubnets,
		"resource.aws_vpc":                       map[string]any{"id": vpcID},
		"resource.aws_security_group": []map[string]any{
			{"name_prefix": prefix + "-msk-brokers-", "id": brokerSG},
			{"name_prefix": prefix + "-nlb-", "id": nlbSG},
		},
		"resource.aws_msk_cluster": map[string]any{"arn": clusterARN, "cluster_uuid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3", "bootstrap_brokers_sasl_iam": bootstrap},
	}
}

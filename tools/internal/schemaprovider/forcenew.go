package schemaprovider

import (
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ForceNew lists, per resource type, the attributes whose change the real
// provider cannot apply in place: it plans a replacement (ForceNew in the
// provider's SDKv2 schemas, RequiresReplace in its plugin-framework ones).
// Taken from hashicorp/terraform-provider-aws v6 for the resource types this
// repository's Terraform uses (TestForceNewCoversTheRepository keeps it
// complete); a dotted path walks nested blocks (every element of a list
// block). A type not listed is never replaced, like mock_provider in
// terraform test.
var ForceNew = map[string][]string{
	"aws_appautoscaling_policy":               {"name", "resource_id", "scalable_dimension", "service_namespace"},
	"aws_appautoscaling_target":               {"resource_id", "scalable_dimension", "service_namespace"},
	"aws_cloudwatch_event_rule":               {"name", "name_prefix", "event_bus_name"},
	"aws_cloudwatch_event_target":             {"rule", "target_id", "event_bus_name"},
	"aws_cloudwatch_log_group":                {"name", "name_prefix", "log_group_class"},
	"aws_cloudwatch_metric_alarm":             {"alarm_name"},
	"aws_default_security_group":              {"vpc_id"},
	"aws_iam_role":                            {"name", "name_prefix", "path"},
	"aws_iam_role_policy":                     {"name", "name_prefix", "role"},
	"aws_iam_role_policy_attachment":          {"role", "policy_arn"},
	"aws_kms_key":                             {"customer_master_key_spec", "key_usage", "multi_region", "xks_key_id", "custom_key_store_id"},
	"aws_lambda_function":                     {"function_name", "package_type"},
	"aws_lambda_function_event_invoke_config": {"function_name", "qualifier"},
	"aws_lambda_permission":                   {"action", "event_source_token", "function_name", "principal", "qualifier", "source_account", "source_arn", "statement_id", "statement_id_prefix"},
	"aws_lb":                                  {"name", "name_prefix", "internal", "load_balancer_type", "subnets", "ip_address_type_pool"},
	"aws_lb_listener":                         {"load_balancer_arn"},
	"aws_lb_target_group":                     {"name", "name_prefix", "port", "protocol", "protocol_version", "target_type", "vpc_id", "ip_address_type"},
	"aws_lb_target_group_attachment":          {"target_group_arn", "target_id", "port", "availability_zone"},
	"aws_msk_cluster":                         {"cluster_name", "broker_node_group_info.client_subnets", "broker_node_group_info.security_groups", "broker_node_group_info.az_distribution", "client_authentication.unauthenticated", "client_authentication.sasl.iam", "client_authentication.sasl.scram", "encryption_info.encryption_at_rest_kms_key_arn", "encryption_info.encryption_in_transit.client_broker", "encryption_info.encryption_in_transit.in_cluster"},
	"aws_msk_configuration":                   {"name", "kafka_versions"},
	"aws_route53_record":                      {"name", "zone_id", "allow_overwrite"},
	"aws_route53_zone":                        {"name", "delegation_set_id"},
	"aws_security_group":                      {"name", "name_prefix", "description", "vpc_id"},
	"aws_sns_topic":                           {"name", "name_prefix", "fifo_topic"},
	"aws_subnet":                              {"vpc_id", "cidr_block", "availability_zone", "availability_zone_id"},
	"aws_vpc":                                 {"cidr_block", "instance_tenancy", "ipv4_ipam_pool_id"},
	"aws_vpc_endpoint":                        {"vpc_id", "service_name", "vpc_endpoint_type", "service_region"},
	"aws_vpc_endpoint_connection_accepter":    {"vpc_endpoint_id", "vpc_endpoint_service_id"},
	"aws_vpc_endpoint_service":                {},
	"aws_vpc_security_group_egress_rule":      {"security_group_id"},
	"aws_vpc_security_group_ingress_rule":     {"security_group_id"},
}

// requiresReplace returns the paths of typeName's force-new attributes whose
// planned value differs from the prior one (an unknown planned value counts:
// the provider cannot promise it stays the same).
func requiresReplace(typeName string, prior, planned tftypes.Value) []*tftypes.AttributePath {
	if prior.IsNull() || planned.IsNull() || !prior.IsKnown() {
		return nil
	}
	var out []*tftypes.AttributePath
	for _, dotted := range ForceNew[typeName] {
		walkPath(prior, planned, tftypes.NewAttributePath(), strings.Split(dotted, "."), &out)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func walkPath(prior, planned tftypes.Value, at *tftypes.AttributePath, rest []string, out *[]*tftypes.AttributePath) {
	if len(rest) == 0 {
		if !planned.IsKnown() || !prior.Equal(planned) {
			*out = append(*out, at)
		}
		return
	}
	if !planned.IsKnown() {
		*out = append(*out, at)
		return
	}
	if prior.IsNull() || planned.IsNull() {
		if prior.IsNull() != planned.IsNull() {
			*out = append(*out, at)
		}
		return
	}
	switch prior.Type().(type) {
	case tftypes.Object:
		var pm, nm map[string]tftypes.Value
		if prior.As(&pm) != nil || planned.As(&nm) != nil {
			return
		}
		pv, ok1 := pm[rest[0]]
		nv, ok2 := nm[rest[0]]
		if !ok1 || !ok2 {
			return
		}
		walkPath(pv, nv, at.WithAttributeName(rest[0]), rest[1:], out)
	case tftypes.List:
		var pl, nl []tftypes.Value
		if prior.As(&pl) != nil || planned.As(&nl) != nil {
			return
		}
		if len(pl) != len(nl) {
			*out = append(*out, at)
			return
		}
		for i := range pl {
			walkPath(pl[i], nl[i], at.WithElementKeyInt(i), rest, out)
		}
	}
}

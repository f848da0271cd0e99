package pathguard

import (
	"regexp"
	"slices"
	"strings"
)

// Kind names a component of a broker's data path, or of every path, as the
// JSON report spells it.
type Kind string

// The per-broker components, in the order a connection crosses them
// (Databricks' rule → its accepted endpoint → the endpoint service → the
// NLB's listener → the target group → the broker's target), and the
// canary's, which watch the path but do not carry Databricks' traffic.
const (
	NCCRule         Kind = "ncc_rule"
	Acceptance      Kind = "endpoint_acceptance"
	EndpointService Kind = "endpoint_service"
	NLB             Kind = "nlb"
	Listener        Kind = "listener"
	TargetGroup     Kind = "target_group"
	Target          Kind = "target"

	CanaryEndpoint   Kind = "canary_endpoint"
	CanaryAcceptance Kind = "canary_acceptance"
	CanaryDNS        Kind = "canary_dns"
	CanaryAlarm      Kind = "canary_alarm"
)

// The shared components: what every path goes through.
const (
	Cluster          Kind = "msk_cluster"
	NLBSecurityGroup Kind = "nlb_security_group"
	BrokerSG         Kind = "broker_security_group"
	BrokerIngress    Kind = "broker_ingress_9098"
	NLBEgress        Kind = "nlb_egress_9098"
	Role             Kind = "databricks_role"
	RolePolicy       Kind = "databricks_role_policy"
	RoleSelfAssume   Kind = "databricks_role_self_assume"
	Credential       Kind = "databricks_credential"
	NCC              Kind = "ncc"
	NCCBinding       Kind = "ncc_binding"
)

// pathOrder is the order a connection crosses the per-broker components.
var pathOrder = []Kind{NCCRule, Acceptance, EndpointService, NLB, Listener, TargetGroup, Target,
	CanaryEndpoint, CanaryAcceptance, CanaryDNS, CanaryAlarm}

func rank(k Kind) int {
	if i := slices.Index(pathOrder, k); i >= 0 {
		return i
	}
	return len(pathOrder)
}

type typeName struct{ typ, name string }

// component is what the guard knows about one resource of the layout.
type component struct {
	kind  Kind
	label string
	// canary: watches the path (the consumer-side canary); never interrupts
	// Databricks' traffic, so it never decides a verdict.
	canary bool
	// pathAttrs are the attributes that decide where traffic goes: unknown
	// after an in-place update, the plan cannot show the path survives.
	pathAttrs []string
	// gone says what deleting (or replacing) it does to the path(s).
	gone string
	// updated, when set, is said of an in-place update that changes more
	// than tags, and one of updatedOn when that is set (shared components).
	updated   string
	updatedOn []string
}

// perBroker are the resources keyed by broker id (for_each), by type and
// name, wherever the module that holds them is called from: greenfield
// (module.msk_vpce.module.privatelink.), an existing cluster
// (module.privatelink.), the Databricks side (module.databricks[0].), the
// canary (module.verify_canary[0].).
var perBroker = map[typeName]component{
	{"aws_lb_target_group_attachment", "broker"}: {kind: Target, label: "target", pathAttrs: []string{"target_id", "port", "target_group_arn"},
		gone: "the NLB has no target: connections to the broker fail"},
	{"aws_lb_listener", "broker"}: {kind: Listener, label: "listener", pathAttrs: []string{"load_balancer_arn", "port", "default_action"},
		gone: "the NLB stops accepting connections on 9098"},
	{"aws_lb", "broker"}: {kind: NLB, label: "NLB", pathAttrs: []string{"subnets", "subnet_mapping"},
		gone: "the endpoint service loses the load balancer behind it; a new NLB has a new address and must become the endpoint service's"},
	{"aws_lb_target_group", "broker"}: {kind: TargetGroup, label: "target group", pathAttrs: []string{"port", "vpc_id", "target_type"},
		gone: "the listener forwards to a new, empty target group; traffic flows again only once the broker is registered in it and healthy"},
	{"aws_vpc_endpoint_service", "broker"}: {kind: EndpointService, label: "endpoint service", pathAttrs: []string{"network_load_balancer_arns", "allowed_principals"},
		gone: "Databricks' endpoint to it stops working; a new endpoint service has a new name: Databricks must create a new endpoint for the rule and you must accept it"},
	{"databricks_mws_ncc_private_endpoint_rule", "broker"}: {kind: NCCRule, label: "NCC rule", pathAttrs: []string{"endpoint_service", "domain_names", "network_connectivity_config_id"},
		gone: "Databricks deletes the rule's endpoint: serverless no longer resolves the broker's hostname to it; a new rule gets a new endpoint that must be accepted"},
	{"aws_vpc_endpoint_connection_accepter", "broker"}: {kind: Acceptance, label: "endpoint acceptance", pathAttrs: []string{"vpc_endpoint_id", "vpc_endpoint_service_id"},
		gone: "destroying the accepter rejects Databricks' endpoint connection"},
}

// canaryPerBroker are the canary's per-broker resources (module.verify_canary).
var canaryPerBroker = map[typeName]component{
	{"aws_vpc_endpoint", "broker"}:                     {kind: CanaryEndpoint, label: "canary endpoint", canary: true},
	{"aws_vpc_endpoint_connection_accepter", "broker"}: {kind: CanaryAcceptance, label: "canary acceptance", canary: true},
	{"aws_route53_record", "broker"}:                   {kind: CanaryDNS, label: "canary DNS record", canary: true},
	{"aws_cloudwatch_metric_alarm", "path"}:            {kind: CanaryAlarm, label: "canary alarm", canary: true},
}

const (
	goneEveryPath = "every path"
	goneAuth      = "authentication for every path: Databricks' service credential cannot get Kafka credentials"
)

// shared are the components every path depends on.
var shared = map[typeName]component{
	{"aws_msk_cluster", "this"}: {kind: Cluster, label: "MSK cluster",
		gone:    "every path and the cluster's data (topics, messages, consumer offsets)",
		updated: "MSK applies it broker by broker (each restarts in turn); clients reconnect to the other brokers and retry, no path is removed"},
	{"aws_security_group", "nlb"}: {kind: NLBSecurityGroup, label: "NLB security group", pathAttrs: []string{"vpc_id"},
		gone: goneEveryPath + ": the NLBs' security group, which the brokers admit on 9098, is removed"},
	{"aws_security_group", "broker"}: {kind: BrokerSG, label: "broker security group", pathAttrs: []string{"vpc_id"},
		gone: goneEveryPath + ": the brokers' security group, which admits the NLBs on 9098, is removed"},
	{"aws_vpc_security_group_ingress_rule", "broker_from_nlb"}: {kind: BrokerIngress, label: "broker ingress rule (9098 from the NLBs)", pathAttrs: []string{"security_group_id", "referenced_security_group_id", "from_port", "to_port", "ip_protocol"},
		gone: goneEveryPath + ": the brokers stop admitting the NLBs on 9098"},
	{"aws_vpc_security_group_egress_rule", "nlb_to_broker"}: {kind: NLBEgress, label: "NLB egress rule (9098 to the brokers)", pathAttrs: []string{"security_group_id", "referenced_security_group_id", "from_port", "to_port", "ip_protocol"},
		gone: goneEveryPath + ": the NLBs can no longer reach the brokers on 9098"},
	{"aws_iam_role", "databricks"}: {kind: Role, label: "Databricks role",
		gone:    goneAuth + " (a new role has a new ARN and trust)",
		updated: "a changed trust policy must still name the service credential's external ID", updatedOn: []string{"assume_role_policy"}},
	{"aws_iam_role_policy", "databricks_msk"}: {kind: RolePolicy, label: "Databricks role's Kafka policy",
		gone:    goneAuth + " (the role has no Kafka permissions between delete and create)",
		updated: "the Kafka permissions change; `deploy verify` shows what they allow"},
	{"aws_iam_role_policy", "databricks_self_assume"}: {kind: RoleSelfAssume, label: "Databricks role's self-assume policy",
		gone: goneAuth + " (the service credential's self-assume check fails)"},
	{"databricks_credential", "msk"}: {kind: Credential, label: "Databricks service credential",
		gone: goneAuth + " (notebooks name the credential; a new one has a new external ID)"},
	{"databricks_mws_network_connectivity_config", "this"}: {kind: NCC, label: "network connectivity config (NCC)",
		gone: "every NCC rule, and with them every path"},
	{"databricks_mws_ncc_binding", "this"}: {kind: NCCBinding, label: "NCC binding to the workspace",
		gone: "every NCC rule for this workspace's serverless compute, and with them every path"},
}

var canaryModule = regexp.MustCompile(`(^|\.)module\.verify_canary(\[[^\]]*\])?(\.|$)`)

// lookup finds the component a resource is, if any.
func lookup(moduleAddr, typ, name string) (c component, perBrokerKey, ok bool) {
	tn := typeName{typ, name}
	if canaryModule.MatchString(moduleAddr) {
		c, ok = canaryPerBroker[tn]
		return c, true, ok
	}
	if c, ok = perBroker[tn]; ok {
		return c, true, true
	}
	c, ok = shared[tn]
	return c, false, ok
}

// attrLabel is how an attribute path reads in a sentence.
func attrLabel(path []any) string {
	var parts []string
	for _, p := range path {
		if s, ok := p.(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}

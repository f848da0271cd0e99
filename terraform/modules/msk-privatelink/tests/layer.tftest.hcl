# The per-broker layer in front of an existing cluster, planned against a mock
# of the real AWS provider schema. The cluster ARN is a plain input, so every
# read happens while planning and every value is known in these plans.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_data {
  target = data.aws_subnet.broker["1"]
  values = { id = "subnet-aaa", vpc_id = "vpc-0cluster", availability_zone = "eu-west-1a", availability_zone_id = "euw1-az1" }
}

override_data {
  target = data.aws_subnet.broker["2"]
  values = { id = "subnet-bbb", vpc_id = "vpc-0cluster", availability_zone = "eu-west-1b", availability_zone_id = "euw1-az2" }
}

override_data {
  target = data.aws_subnet.broker["3"]
  values = { id = "subnet-ccc", vpc_id = "vpc-0cluster", availability_zone = "eu-west-1c", availability_zone_id = "euw1-az3" }
}

variables {
  prefix                 = "orders"
  cluster_arn            = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  allowed_principals     = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
  databricks_external_id = "9f8e7d6c-5b4a-3210-fedc-ba9876543210"
  operator_cidrs         = ["10.42.200.0/24"]
}

# Applied against the mock provider (nothing leaves the machine): the plans
# below are plans of this deployment, where everything created is known, and
# the last run replaces what this one created.
run "deploy_with_mocks" {
  command = apply
}

run "one_nlb_per_broker_keyed_by_id" {
  command = plan

  assert {
    condition     = keys(aws_lb.broker) == ["1", "2", "3"] && keys(aws_lb_target_group.broker) == ["1", "2", "3"] && keys(aws_lb_target_group_attachment.broker) == ["1", "2", "3"] && keys(aws_lb_listener.broker) == ["1", "2", "3"] && keys(aws_vpc_endpoint_service.broker) == ["1", "2", "3"]
    error_message = "expected exactly one NLB, target group, attachment, listener and endpoint service per broker, keyed by the broker ids MSK reports"
  }

  assert {
    condition     = { for k, lb in aws_lb.broker : k => one(lb.subnets) } == { "1" = "subnet-aaa", "2" = "subnet-bbb", "3" = "subnet-ccc" } && alltrue([for lb in aws_lb.broker : length(lb.subnets) == 1])
    error_message = "NLB <id> must sit in broker <id>'s client subnet, and only there"
  }

  assert {
    condition     = { for k, a in aws_lb_target_group_attachment.broker : k => a.target_id } == { "1" = "10.42.0.10", "2" = "10.42.64.20", "3" = "10.42.128.30" }
    error_message = "target group <id> must target broker <id>'s client VPC IP"
  }

  assert {
    condition     = alltrue([for k, a in aws_lb_target_group_attachment.broker : a.target_group_arn == aws_lb_target_group.broker[k].arn && a.port == 9098])
    error_message = "attachment <id> must register on target group <id>, port 9098"
  }

  assert {
    condition     = alltrue([for lb in aws_lb.broker : lb.internal && lb.load_balancer_type == "network" && lb.enable_cross_zone_load_balancing == false])
    error_message = "every NLB must be internal, of type network, with cross-zone load balancing off"
  }

  assert {
    condition     = alltrue([for lb in aws_lb.broker : lb.security_groups == toset(["sg-nlb"]) && lb.enforce_security_group_inbound_rules_on_private_link_traffic == "off"])
    error_message = "every NLB must carry the NLB security group, with PrivateLink enforcement deliberately off"
  }

  assert {
    condition     = [for lb in aws_lb.broker : lb.name] == ["orders-nlb-1", "orders-nlb-2", "orders-nlb-3"] && [for tg in aws_lb_target_group.broker : tg.name_prefix] == ["orde1-", "orde2-", "orde3-"] && alltrue([for k, tg in aws_lb_target_group.broker : tg.tags.Name == "orders-tg-${k}" && tg.tags.BrokerId == k])
    error_message = "unexpected NLB or target group names (target groups: name_prefix <up to 5 characters of prefix><id>-, Name tag <prefix>-tg-<id>, BrokerId tag)"
  }

  assert {
    condition     = alltrue([for k, lb in aws_lb.broker : lb.tags.BrokerId == k]) && alltrue([for k, s in aws_vpc_endpoint_service.broker : s.tags.BrokerId == k])
    error_message = "NLBs and endpoint services must carry their broker's id as the BrokerId tag"
  }

  assert {
    condition     = alltrue([for l in aws_lb_listener.broker : l.tcp_idle_timeout_seconds == 600])
    error_message = "every listener must keep idle TCP flows 600 s (above the Kafka clients' 540 s connections.max.idle.ms)"
  }

  assert {
    condition     = alltrue([for tg in aws_lb_target_group.broker : tg.health_check[0].timeout == 5 && tg.health_check[0].timeout < tg.health_check[0].interval])
    error_message = "the health check timeout must be explicit, 2-120 s and below the interval"
  }

  assert {
    condition     = alltrue([for k, l in aws_lb_listener.broker : l.protocol == "TCP" && l.port == 9098 && l.default_action[0].type == "forward" && l.load_balancer_arn == aws_lb.broker[k].arn && l.default_action[0].target_group_arn == aws_lb_target_group.broker[k].arn])
    error_message = "listener <id> must be TCP 9098 on NLB <id>, forwarding to target group <id>"
  }

  assert {
    condition     = alltrue([for tg in aws_lb_target_group.broker : tg.target_type == "ip" && tg.protocol == "TCP" && tg.port == 9098 && tg.health_check[0].protocol == "TCP" && tg.preserve_client_ip == "false" && tg.vpc_id == "vpc-0cluster"])
    error_message = "every target group must be TCP 9098 with ip targets in the cluster's VPC, a TCP health check, and no client IP preservation"
  }
}

# nlb_zones = "all": every NLB in every subnet of the cluster (so its endpoint
# service is offered in every zone) with cross-zone on, and still exactly one
# target, its broker.
run "nlb_zones_all" {
  command = plan

  variables {
    nlb_zones         = "all"
    supported_regions = ["eu-central-1"]
  }

  assert {
    condition     = alltrue([for lb in aws_lb.broker : lb.subnets == toset(["subnet-aaa", "subnet-bbb", "subnet-ccc"]) && lb.enable_cross_zone_load_balancing == true])
    error_message = "with nlb_zones = \"all\" every NLB must sit in every subnet of the cluster with cross-zone load balancing on"
  }

  assert {
    condition     = { for k, a in aws_lb_target_group_attachment.broker : k => a.target_id } == { "1" = "10.42.0.10", "2" = "10.42.64.20", "3" = "10.42.128.30" }
    error_message = "with nlb_zones = \"all\" NLB <id> must still forward to broker <id> only"
  }

  assert {
    condition     = alltrue([for b in output.brokers : b.nlb_cross_zone == true]) && [for b in output.brokers : b.availability_zone] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "the brokers output must tell the verifier that cross-zone is on (and still each broker's own zone)"
  }

  assert {
    condition     = alltrue([for s in aws_vpc_endpoint_service.broker : s.supported_regions == toset(["eu-central-1"])])
    error_message = "supported_regions must reach every endpoint service (cross-region consumers)"
  }
}

run "endpoint_services" {
  command = plan

  assert {
    condition     = alltrue([for k, s in aws_vpc_endpoint_service.broker : s.network_load_balancer_arns == toset([aws_lb.broker[k].arn])])
    error_message = "endpoint service <id> must front NLB <id> only"
  }

  assert {
    condition     = alltrue([for s in aws_vpc_endpoint_service.broker : s.acceptance_required == true])
    error_message = "connection requests must require acceptance by default"
  }

  assert {
    condition     = alltrue([for s in aws_vpc_endpoint_service.broker : s.allowed_principals == toset(["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"])])
    error_message = "every endpoint service must allow exactly the given principals"
  }
}

run "security_groups_exact" {
  command = plan

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].security_group_id == "sg-cluster" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].referenced_security_group_id == "sg-nlb" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].from_port == 9098 &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].to_port == 9098 &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb[0].cidr_ipv6 == null
    )
    error_message = "the cluster's security group must gain exactly one rule: TCP 9098 from the NLB security group"
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.nlb_to_broker.security_group_id == "sg-nlb" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.referenced_security_group_id == "sg-cluster" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.from_port == 9098 &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.to_port == 9098 &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.cidr_ipv4 == null
    )
    error_message = "NLBs may only send TCP 9098 to the cluster's security group"
  }

  assert {
    condition     = aws_security_group.nlb.vpc_id == "vpc-0cluster" && aws_security_group.nlb.name_prefix == "orders-nlb-" && length(aws_security_group.nlb.ingress) == 0 && length(aws_security_group.nlb.egress) == 0
    error_message = "the NLB security group must be in the cluster's VPC, named from name_prefix, with no inline rules"
  }

  assert {
    condition = keys(aws_vpc_security_group_ingress_rule.nlb_from_operator) == ["10.42.200.0/24"] && alltrue([for r in aws_vpc_security_group_ingress_rule.nlb_from_operator : (
      r.security_group_id == "sg-nlb" && r.ip_protocol == "tcp" && r.from_port == 9098 && r.to_port == 9098 &&
      r.cidr_ipv4 == "10.42.200.0/24" && r.cidr_ipv6 == null
    )])
    error_message = "the NLB security group must admit exactly the operator CIDRs, on TCP 9098"
  }

  assert {
    condition = alltrue([for r in concat(
      aws_vpc_security_group_ingress_rule.broker_from_nlb, [aws_vpc_security_group_egress_rule.nlb_to_broker],
      values(aws_vpc_security_group_ingress_rule.nlb_from_operator),
    ) : r.description != null && r.description != ""])
    error_message = "every security-group rule needs a description"
  }

  assert {
    condition     = output.cluster_security_group_rule_command == null && output.cluster_security_group_id == "sg-cluster"
    error_message = "when the module manages the rule, it gives no command to add it by hand"
  }
}

# The cluster's security group is not the module's to change: no rule is
# planned, the plan warns with the exact command, and the output carries it.
run "cluster_security_group_not_managed" {
  command = plan

  variables {
    manage_cluster_security_group_rule = false
  }

  override_data {
    target = data.aws_vpc_security_group_rules.cluster_ingress[0]
    values = { ids = [] }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.broker_from_nlb) == 0
    error_message = "with manage_cluster_security_group_rule = false the cluster's security group must not be changed"
  }

  assert {
    condition     = strcontains(output.cluster_security_group_rule_command, "aws ec2 authorize-security-group-ingress --region eu-west-1 --group-id sg-cluster") && strcontains(output.cluster_security_group_rule_command, "FromPort=9098,ToPort=9098,UserIdGroupPairs=[{GroupId=sg-nlb")
    error_message = "the output must carry the exact command that adds the missing rule"
  }

  expect_failures = [check.cluster_security_group_admits_nlbs]
}

# The rule exists already (added by hand): the check passes.
run "cluster_security_group_rule_added_by_hand" {
  command = plan

  variables {
    manage_cluster_security_group_rule = false
  }

  override_data {
    target = data.aws_vpc_security_group_rules.cluster_ingress[0]
    values = { ids = ["sgr-0byhand"] }
  }

  override_data {
    target = data.aws_vpc_security_group_rule.cluster_ingress["sgr-0byhand"]
    values = { security_group_rule_id = "sgr-0byhand", is_egress = false, ip_protocol = "tcp", from_port = 9098, to_port = 9098, referenced_security_group_id = "sg-nlb" }
  }

  assert {
    condition     = local.cluster_admits_nlbs
    error_message = "a rule that admits the NLB security group on 9098 must satisfy the check"
  }
}

run "cluster_security_group_chosen" {
  command = plan

  variables {
    cluster_security_group_id = "sg-other"
  }

  expect_failures = [aws_vpc_security_group_ingress_rule.broker_from_nlb[0]]
}

run "no_operator_cidrs_no_operator_rules" {
  command = plan

  variables {
    operator_cidrs = []
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.nlb_from_operator) == 0
    error_message = "without operator_cidrs the NLB security group has no ingress rule at all"
  }
}

run "databricks_role" {
  command = plan

  assert {
    condition     = aws_iam_role.databricks.name == "orders-databricks-msk"
    error_message = "unexpected role name"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role.databricks.assume_role_policy).Statement : s.Principal.AWS] == [
      "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL",
      "arn:aws:iam::123456789012:root",
    ]
    error_message = "trust must name the Databricks UC master role and (for self-assumption) this account"
  }

  assert {
    condition     = jsondecode(aws_iam_role.databricks.assume_role_policy).Statement[1].Condition.ArnEquals["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/orders-databricks-msk"
    error_message = "the self statement must be narrowed to this role's own ARN"
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role.databricks.assume_role_policy).Statement : s.Effect == "Allow" && s.Action == "sts:AssumeRole" && s.Condition.StringEquals["sts:ExternalId"] == "9f8e7d6c-5b4a-3210-fedc-ba9876543210"])
    error_message = "both trust statements must require the Databricks external ID"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.databricks_self_assume.policy).Statement == [{
      Sid      = "ExplicitSelfRoleAssumption"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = "arn:aws:iam::123456789012:role/orders-databricks-msk"
    }] && aws_iam_role_policy.databricks_self_assume.role == aws_iam_role.databricks.id
    error_message = "the role's identity policy must allow sts:AssumeRole on the role itself (the trust's root principal delegates to it)"
  }

  assert {
    condition     = aws_iam_role_policy.databricks_msk.policy == module.access_policy.policy_json
    error_message = "the role's permissions must be exactly the msk-access-policy rendering"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.databricks_msk.policy).Statement : s.Resource] == [
      ["arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"],
      ["arn:aws:kafka:eu-west-1:123456789012:topic/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"],
      ["arn:aws:kafka:eu-west-1:123456789012:group/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"],
    ]
    error_message = "permissions must be scoped to this cluster's cluster, topic and group ARNs"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.databricks_msk.policy).Statement : s.Action])) == toset([
      "kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently",
      "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData",
      "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup",
    ])
    error_message = "permissions must be exactly the produce/consume/describe actions"
  }
}

run "additional_trusted_roles_are_test_only_and_need_the_external_id" {
  command = plan

  variables {
    additional_trusted_role_arns = ["arn:aws:iam::123456789012:role/e2e-abc-runner"]
  }

  assert {
    condition     = jsondecode(aws_iam_role.databricks.assume_role_policy).Statement[2].Principal.AWS == ["arn:aws:iam::123456789012:role/e2e-abc-runner"] && jsondecode(aws_iam_role.databricks.assume_role_policy).Statement[2].Condition.StringEquals["sts:ExternalId"] == "9f8e7d6c-5b4a-3210-fedc-ba9876543210"
    error_message = "an additional trusted role must be admitted only with the external ID"
  }

  assert {
    condition     = output.databricks_msk_role_arn_for_credential == "arn:aws:iam::123456789012:role/orders-databricks-msk"
    error_message = "the credential's role ARN must equal the role's own ARN"
  }
}

run "placeholder_external_id_is_reported" {
  command = plan

  variables {
    databricks_external_id = "0000"
  }

  assert {
    condition     = output.external_id_is_placeholder == true
    error_message = "the placeholder external ID must be reported"
  }
}

run "outputs_contract" {
  command = plan

  assert {
    condition     = output.region == "eu-west-1" && output.cluster_uuid == "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3" && output.cluster_name == "orders" && output.cluster_arn == var.cluster_arn && output.vpc_id == "vpc-0cluster" && output.kafka_version == "3.9.x"
    error_message = "region/cluster outputs are wrong"
  }

  assert {
    condition     = output.external_id_is_placeholder == false && output.allowed_principals == var.allowed_principals
    error_message = "external_id_is_placeholder/allowed_principals outputs are wrong"
  }

  assert {
    condition = output.brokers[0] == {
      broker_id             = 1
      hostname              = "b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"
      domain_names          = ["b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"]
      client_ip             = "10.42.0.10"
      client_subnet_id      = "subnet-aaa"
      availability_zone     = "eu-west-1a"
      availability_zone_id  = "euw1-az1"
      nlb_arn               = aws_lb.broker["1"].arn
      nlb_dns_name          = aws_lb.broker["1"].dns_name
      nlb_cross_zone        = false
      target_group_arn      = aws_lb_target_group.broker["1"].arn
      target_group_name     = aws_lb_target_group.broker["1"].name
      endpoint_service_id   = aws_vpc_endpoint_service.broker["1"].id
      endpoint_service_name = aws_vpc_endpoint_service.broker["1"].service_name
    }
    error_message = "brokers[0] must describe broker 1 and exactly the contract's keys"
  }

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3] && [for b in output.brokers : b.availability_zone_id] == ["euw1-az1", "euw1-az2", "euw1-az3"] && output.zone_ids == tolist(["euw1-az1", "euw1-az2", "euw1-az3"])
    error_message = "brokers must be sorted by broker id and carry each broker's own zone"
  }

  # Clients bootstrap from these hostnames: each must be in exactly one
  # broker's domain_names (whose endpoint service, hence NCC rule, carries
  # it), or it does not resolve from serverless.
  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for b in output.brokers : b if contains(b.domain_names, split(":", hp)[0])]) == 1
    ]) && length(split(",", output.bootstrap_brokers_sasl_iam)) == 3
    error_message = "every bootstrap hostname must be in exactly one broker's domain_names"
  }

  assert {
    condition     = output.reported_broker_ids == [1, 2, 3] && output.volume_size == 1000
    error_message = "the layer must report what MSK reports while planning"
  }
}

# A later apply that replaces the target groups and the NLB security group.
# create_before_destroy creates each new group while the old one still exists,
# so the new one must get a new name: AWS refuses a second target group or
# security group of the same name in a VPC (and CreateTargetGroup with the same
# name and settings returns the old group, which the destroy half would then
# delete). The mock provider cannot tell which changed attribute forces a
# replacement (the real one says vpc_id, port, protocol, target_type, name_prefix
# and, for the groups, description), so the replacement is forced the way
# -replace or a taint forces it. The new names are compared with the ones
# deploy_with_mocks created.
run "replacement_gets_new_names" {
  command = apply

  plan_options {
    replace = [
      aws_lb_target_group.broker["1"],
      aws_lb_target_group.broker["2"],
      aws_lb_target_group.broker["3"],
      aws_security_group.nlb,
    ]
  }

  assert {
    condition     = alltrue([for i, b in output.brokers : b.target_group_name != run.deploy_with_mocks.brokers[i].target_group_name])
    error_message = "a replaced target group must not reuse its predecessor's name (create_before_destroy: the old group still holds it)"
  }

  assert {
    condition     = alltrue([for i, b in output.brokers : b.target_group_arn != run.deploy_with_mocks.brokers[i].target_group_arn && aws_lb_listener.broker[tostring(b.broker_id)].default_action[0].target_group_arn == b.target_group_arn && aws_lb_target_group_attachment.broker[tostring(b.broker_id)].target_group_arn == b.target_group_arn])
    error_message = "the listeners and attachments must move to the new target groups"
  }

  # The security groups' names come from name_prefix: the provider appends a
  # unique suffix at every create, so no name is pinned in the configuration.
  assert {
    condition     = aws_security_group.nlb.name_prefix == "orders-nlb-" && aws_security_group.nlb.name != "orders-nlb"
    error_message = "a replaced security group must get a provider-generated name from name_prefix"
  }
}

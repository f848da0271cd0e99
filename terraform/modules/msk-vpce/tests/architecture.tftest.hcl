# The architecture, planned against a mock of the real AWS provider schema.

mock_provider "aws" {
  source = "./tests/mocks/aws"

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_resource "aws_msk_cluster" {
    defaults = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      cluster_uuid               = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/test-databricks-msk"
    }
  }

}

# Deliberately out of broker-id order: the module must sort, not trust the API
# order. An override (not a mock default) because the read depends on the
# cluster being created and so would otherwise be deferred to apply.
override_data {
  target = data.aws_msk_broker_nodes.this
  values = {
    node_info_list = [
      {
        attached_eni_id       = "eni-0000000000000003"
        broker_id             = 3
        client_subnet         = "subnet-ccc"
        client_vpc_ip_address = "10.42.128.30"
        endpoints             = ["b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"]
        node_arn              = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/3"
      },
      {
        attached_eni_id       = "eni-0000000000000001"
        broker_id             = 1
        client_subnet         = "subnet-aaa"
        client_vpc_ip_address = "10.42.0.10"
        endpoints             = ["b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"]
        node_arn              = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/1"
      },
      {
        attached_eni_id       = "eni-0000000000000002"
        broker_id             = 2
        client_subnet         = "subnet-bbb"
        client_vpc_ip_address = "10.42.64.20"
        endpoints             = ["b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"]
        node_arn              = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/2"
      },
    ]
  }
}

# The subnet ids the mocked brokers report, matched to the planned subnets.
override_resource {
  target = aws_subnet.private[0]
  values = { id = "subnet-aaa", availability_zone = "eu-west-1a" }
}

override_resource {
  target = aws_subnet.private[1]
  values = { id = "subnet-bbb", availability_zone = "eu-west-1b" }
}

override_resource {
  target = aws_subnet.private[2]
  values = { id = "subnet-ccc", availability_zone = "eu-west-1c" }
}

override_resource {
  target = aws_security_group.broker
  values = { id = "sg-broker" }
}

override_resource {
  target = aws_security_group.nlb
  values = { id = "sg-nlb" }
}

variables {
  prefix                 = "test"
  cidr_block             = "10.42.0.0/16"
  allowed_principals     = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
  databricks_external_id = "9f8e7d6c-5b4a-3210-fedc-ba9876543210"
  operator_cidrs         = ["10.42.200.0/24"]
}

# The broker-node data source depends on the cluster, so while the cluster is
# still to be created Terraform defers the read to apply (the plan of a first
# apply; tests/validation.tftest.hcl covers that shape). This run "applies"
# against the mock provider - nothing leaves the machine - so the plans below
# are the plans of an existing deployment, in which everything is known.
run "deploy_with_mocks" {
  command = apply

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3]
    error_message = "brokers output must be sorted by broker id"
  }
}

run "network" {
  command = plan

  assert {
    condition     = aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames && aws_vpc.this.cidr_block == "10.42.0.0/16"
    error_message = "VPC must have DNS support and hostnames on and use cidr_block"
  }

  assert {
    condition     = length(aws_subnet.private) == 3 && length(distinct(aws_subnet.private[*].availability_zone)) == 3
    error_message = "expected one private subnet in each of three availability zones"
  }

  assert {
    condition     = aws_subnet.private[*].cidr_block == ["10.42.0.0/18", "10.42.64.0/18", "10.42.128.0/18"]
    error_message = "subnets must be cidrsubnet(cidr_block, 2, i)"
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch == false])
    error_message = "no subnet may assign public IPs"
  }
}

run "msk_cluster" {
  command = plan

  assert {
    condition     = aws_msk_cluster.this.number_of_broker_nodes == 3 && aws_msk_cluster.this.kafka_version == "3.9.x"
    error_message = "expected 3 brokers on Kafka 3.9.x"
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].instance_type == "kafka.m5.large" && aws_msk_cluster.this.broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 1000
    error_message = "expected kafka.m5.large with 1000 GiB EBS by default"
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].client_subnets == toset(["subnet-aaa", "subnet-bbb", "subnet-ccc"])
    error_message = "brokers must use the three private subnets"
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].security_groups == toset(["sg-broker"])
    error_message = "brokers must use only the broker security group"
  }

  assert {
    condition     = aws_msk_cluster.this.client_authentication[0].sasl[0].iam == true && aws_msk_cluster.this.client_authentication[0].sasl[0].scram == false
    error_message = "SASL/IAM must be the only SASL mechanism"
  }

  assert {
    condition     = aws_msk_cluster.this.client_authentication[0].unauthenticated == false && length(aws_msk_cluster.this.client_authentication[0].tls) == 0
    error_message = "unauthenticated access and TLS client authentication must be off"
  }

  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].client_broker == "TLS" && aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].in_cluster == true
    error_message = "client-broker traffic must be TLS only and in-cluster traffic encrypted"
  }

  assert {
    condition     = aws_msk_cluster.this.logging_info[0].broker_logs[0].cloudwatch_logs[0].enabled && aws_msk_cluster.this.logging_info[0].broker_logs[0].cloudwatch_logs[0].log_group == "/aws/vendedlogs/msk/test"
    error_message = "broker logs must go to the module's CloudWatch log group"
  }

  assert {
    condition     = aws_cloudwatch_log_group.broker.retention_in_days == 30
    error_message = "log retention default must be 30 days"
  }

  assert {
    condition = alltrue([
      strcontains(aws_msk_configuration.this.server_properties, "auto.create.topics.enable=false"),
      strcontains(aws_msk_configuration.this.server_properties, "default.replication.factor=3"),
      strcontains(aws_msk_configuration.this.server_properties, "min.insync.replicas=2"),
    ])
    error_message = "configuration must set RF 3, min ISR 2 and no auto topic creation"
  }

  assert {
    condition     = aws_msk_configuration.this.kafka_versions == toset(["3.9.x"])
    error_message = "configuration must target the cluster's Kafka version"
  }
}

run "one_nlb_per_broker_sorted_by_id" {
  command = plan

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3]
    error_message = "brokers output must be sorted by broker id"
  }

  assert {
    condition     = length(aws_lb.broker) == 3 && length(aws_lb_target_group.broker) == 3 && length(aws_lb_listener.broker) == 3 && length(aws_vpc_endpoint_service.broker) == 3
    error_message = "expected exactly one NLB, target group, listener and endpoint service per broker"
  }

  assert {
    condition     = alltrue([for lb in aws_lb.broker : length(lb.subnets) == 1]) && [for lb in aws_lb.broker : one(lb.subnets)] == ["subnet-aaa", "subnet-bbb", "subnet-ccc"]
    error_message = "NLB i must sit in broker i's client subnet (sorted by broker id), and only there"
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
    condition     = aws_lb.broker[*].name == ["test-nlb-1", "test-nlb-2", "test-nlb-3"] && aws_lb_target_group.broker[*].name_prefix == ["test1-", "test2-", "test3-"] && alltrue([for i, tg in aws_lb_target_group.broker : tg.tags.Name == "test-tg-${i + 1}"])
    error_message = "unexpected NLB or target group names (target groups: name_prefix <up to 5 characters of prefix><n>-, Name tag <prefix>-tg-<n>)"
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
    condition     = alltrue([for l in aws_lb_listener.broker : l.protocol == "TCP" && l.port == 9098 && l.default_action[0].type == "forward"])
    error_message = "every listener must be TCP 9098 forwarding to its target group"
  }

  assert {
    condition     = alltrue([for i, l in aws_lb_listener.broker : l.load_balancer_arn == aws_lb.broker[i].arn && l.default_action[0].target_group_arn == aws_lb_target_group.broker[i].arn])
    error_message = "listener i must belong to NLB i and forward to target group i"
  }

  assert {
    condition     = alltrue([for tg in aws_lb_target_group.broker : tg.target_type == "ip" && tg.protocol == "TCP" && tg.port == 9098 && tg.health_check[0].protocol == "TCP" && tg.preserve_client_ip == "false"])
    error_message = "every target group must be TCP 9098 with ip targets, a TCP health check, and no client IP preservation"
  }

  assert {
    condition     = aws_lb_target_group_attachment.broker[*].target_id == ["10.42.0.10", "10.42.64.20", "10.42.128.30"]
    error_message = "target group i must target broker i's client VPC IP (sorted by broker id)"
  }

  assert {
    condition     = alltrue([for i, a in aws_lb_target_group_attachment.broker : a.target_group_arn == aws_lb_target_group.broker[i].arn && a.port == 9098])
    error_message = "attachment i must register on target group i, port 9098"
  }
}

# nlb_zones = "all": every NLB in all three private subnets (so its endpoint
# service is offered in every zone) with cross-zone on, and still exactly one
# target, its broker.
run "nlb_zones_all" {
  command = plan

  variables {
    nlb_zones = "all"
  }

  assert {
    condition     = alltrue([for lb in aws_lb.broker : lb.subnets == toset(["subnet-aaa", "subnet-bbb", "subnet-ccc"]) && lb.enable_cross_zone_load_balancing == true])
    error_message = "with nlb_zones = \"all\" every NLB must sit in every private subnet with cross-zone load balancing on"
  }

  assert {
    condition     = aws_lb_target_group_attachment.broker[*].target_id == ["10.42.0.10", "10.42.64.20", "10.42.128.30"] && alltrue([for i, l in aws_lb_listener.broker : l.default_action[0].target_group_arn == aws_lb_target_group.broker[i].arn])
    error_message = "with nlb_zones = \"all\" NLB i must still forward to broker i only"
  }

  assert {
    condition     = alltrue([for b in output.brokers : b.nlb_cross_zone == true]) && [for b in output.brokers : b.availability_zone] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "the brokers output must tell the verifier that cross-zone is on (and still each broker's own zone)"
  }
}

run "endpoint_services" {
  command = plan

  assert {
    condition     = alltrue([for i, s in aws_vpc_endpoint_service.broker : s.network_load_balancer_arns == toset([aws_lb.broker[i].arn])])
    error_message = "endpoint service i must front NLB i only"
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
      aws_vpc_security_group_ingress_rule.broker_from_nlb.security_group_id == "sg-broker" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.referenced_security_group_id == "sg-nlb" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.from_port == 9098 &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.to_port == 9098 &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.broker_from_nlb.cidr_ipv6 == null
    )
    error_message = "brokers must accept TCP 9098 from the NLB security group and nothing else"
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.nlb_to_broker.security_group_id == "sg-nlb" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.referenced_security_group_id == "sg-broker" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.from_port == 9098 &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.to_port == 9098 &&
      aws_vpc_security_group_egress_rule.nlb_to_broker.cidr_ipv4 == null
    )
    error_message = "NLBs may only send TCP 9098 to the broker security group"
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.nlb_from_operator) == ["10.42.200.0/24"]
    error_message = "the NLB security group must admit exactly the operator CIDRs"
  }

  assert {
    condition = alltrue([for r in aws_vpc_security_group_ingress_rule.nlb_from_operator : (
      r.security_group_id == "sg-nlb" && r.ip_protocol == "tcp" && r.from_port == 9098 && r.to_port == 9098 &&
      r.cidr_ipv4 == "10.42.200.0/24" && r.cidr_ipv6 == null
    )])
    error_message = "operator rules must be TCP 9098 from the operator CIDR only"
  }

  assert {
    condition = alltrue([for r in concat(
      [aws_vpc_security_group_ingress_rule.broker_from_nlb, aws_vpc_security_group_egress_rule.nlb_to_broker],
      values(aws_vpc_security_group_ingress_rule.nlb_from_operator),
    ) : r.description != null && r.description != ""])
    error_message = "every security-group rule needs a description"
  }

  assert {
    condition     = length(aws_security_group.broker.ingress) == 0 && length(aws_security_group.broker.egress) == 0 && length(aws_security_group.nlb.ingress) == 0 && length(aws_security_group.nlb.egress) == 0
    error_message = "no inline rules: every rule is a separate, described resource"
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "the VPC default security group must be emptied"
  }
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
    condition     = aws_iam_role.databricks.name == "test-databricks-msk"
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
    condition     = jsondecode(aws_iam_role.databricks.assume_role_policy).Statement[1].Condition.ArnEquals["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/test-databricks-msk"
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
      Resource = "arn:aws:iam::123456789012:role/test-databricks-msk"
    }] && aws_iam_role_policy.databricks_self_assume.role == aws_iam_role.databricks.id
    error_message = "the role's identity policy must allow sts:AssumeRole on the role itself (the trust's root principal delegates to it)"
  }

  assert {
    condition     = aws_iam_role_policy.databricks_msk.policy == module.access_policy.policy_json
    error_message = "the role's permissions must be exactly the msk-access-policy rendering"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.databricks_msk.policy).Statement : s.Resource] == [
      ["arn:aws:kafka:eu-west-1:123456789012:cluster/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"],
      ["arn:aws:kafka:eu-west-1:123456789012:topic/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"],
      ["arn:aws:kafka:eu-west-1:123456789012:group/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"],
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

run "outputs_contract" {
  command = plan

  assert {
    condition     = output.region == "eu-west-1" && output.cluster_uuid == "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3" && output.cluster_name == "test-msk"
    error_message = "region/cluster outputs are wrong"
  }

  assert {
    condition     = output.external_id_is_placeholder == false && output.allowed_principals == var.allowed_principals
    error_message = "external_id_is_placeholder/allowed_principals outputs are wrong"
  }

  assert {
    condition = output.brokers[0] == {
      broker_id             = 1
      hostname              = "b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"
      client_ip             = "10.42.0.10"
      client_subnet_id      = "subnet-aaa"
      availability_zone     = "eu-west-1a"
      nlb_arn               = aws_lb.broker[0].arn
      nlb_dns_name          = aws_lb.broker[0].dns_name
      nlb_cross_zone        = false
      target_group_arn      = aws_lb_target_group.broker[0].arn
      target_group_name     = aws_lb_target_group.broker[0].name
      endpoint_service_id   = aws_vpc_endpoint_service.broker[0].id
      endpoint_service_name = aws_vpc_endpoint_service.broker[0].service_name
    }
    error_message = "brokers[0] must describe broker 1 and exactly the contract's keys"
  }

  assert {
    condition     = [for b in output.brokers : b.availability_zone] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] && [for b in output.brokers : b.hostname] == ["b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com", "b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com", "b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"]
    error_message = "brokers must carry each broker's own hostname and AZ, in broker-id order"
  }

  # Clients bootstrap from these hostnames: each must be exactly one broker's
  # (whose endpoint service, hence NCC rule, carries it), or it does not
  # resolve from serverless.
  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for b in output.brokers : b if b.hostname == split(":", hp)[0]]) == 1
    ]) && length(split(",", output.bootstrap_brokers_sasl_iam)) > 0
    error_message = "every bootstrap_brokers_sasl_iam hostname must be exactly one broker's hostname (one endpoint service and rule each)"
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
    condition     = output.databricks_msk_role_arn_for_credential == "arn:aws:iam::123456789012:role/test-databricks-msk"
    error_message = "the credential's role ARN must equal the role's own ARN"
  }
}

# create_before_destroy on the security groups needs name_prefix: a fixed
# name collides with the group being replaced.
run "security_groups_name_prefix" {
  command = plan

  assert {
    condition     = aws_security_group.broker.name_prefix == "test-msk-brokers-" && aws_security_group.nlb.name_prefix == "test-nlb-"
    error_message = "security groups must use name_prefix (create_before_destroy would collide on a fixed name)"
  }
}

# A later apply that replaces the target groups and the security groups.
# create_before_destroy creates each new group while the old one still exists,
# so the new one must get a new name: AWS refuses a second target group or
# security group of the same name in a VPC (and CreateTargetGroup with the same
# name and settings returns the old group, which the destroy half would then
# delete). The mock provider cannot tell which changed attribute forces a
# replacement (the real one says vpc_id, port, protocol, target_type, name_prefix
# and, for the groups, description), so the replacement is forced the way
# -replace or a taint forces it. The new names are compared with the ones deploy_with_mocks created.
run "replacement_gets_new_names" {
  command = apply

  plan_options {
    replace = [
      aws_lb_target_group.broker[0],
      aws_lb_target_group.broker[1],
      aws_lb_target_group.broker[2],
      aws_security_group.broker,
      aws_security_group.nlb,
    ]
  }

  assert {
    condition     = alltrue([for i, b in output.brokers : b.target_group_name != run.deploy_with_mocks.brokers[i].target_group_name])
    error_message = "a replaced target group must not reuse its predecessor's name (create_before_destroy: the old group still holds it)"
  }

  assert {
    condition     = alltrue([for i, b in output.brokers : b.target_group_arn != run.deploy_with_mocks.brokers[i].target_group_arn && aws_lb_listener.broker[i].default_action[0].target_group_arn == b.target_group_arn && aws_lb_target_group_attachment.broker[i].target_group_arn == b.target_group_arn])
    error_message = "the listeners and attachments must move to the new target groups"
  }

  # The security groups' names come from name_prefix: the provider appends a
  # unique suffix at every create, so no name is pinned in the configuration.
  assert {
    condition     = aws_security_group.broker.name_prefix == "test-msk-brokers-" && aws_security_group.nlb.name_prefix == "test-nlb-" && aws_security_group.broker.name != "test-msk-brokers" && aws_security_group.nlb.name != "test-nlb"
    error_message = "replaced security groups must get provider-generated names from name_prefix"
  }
}

# The architecture, planned against a mock of the real AWS provider schema.

mock_provider "aws" {
  source = "./tests/mocks/aws"
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

variables {
  prefix                 = "test"
  cidr_block             = "10.42.0.0/16"
  allowed_principals     = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
  databricks_external_id = "9f8e7d6c-5b4a-3210-fedc-ba9876543210"
  operator_cidrs         = ["10.42.200.0/24"]
}

# While the cluster is still to be created, its ARN and so every read of it
# is unknown (the plan of a first apply; tests/validation.tftest.hcl covers
# that shape). This run "applies" against the mock provider - nothing leaves
# the machine - so the plans below are the plans of an existing deployment.
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

run "brokers_security_group" {
  command = plan

  # create_before_destroy on the security group needs name_prefix: a fixed
  # name collides with the group being replaced.
  assert {
    condition     = aws_security_group.broker.name_prefix == "test-msk-brokers-" && length(aws_security_group.broker.ingress) == 0 && length(aws_security_group.broker.egress) == 0
    error_message = "the brokers' security group must use name_prefix and carry no inline rules (the layer adds its one rule)"
  }

  assert {
    condition     = output.broker_security_group_id == "sg-broker" && output.nlb_security_group_id == module.privatelink.nlb_security_group_id
    error_message = "the security group outputs must name the brokers' group and the layer's NLB group"
  }
}

run "outputs_contract" {
  command = plan

  assert {
    condition     = output.region == "eu-west-1" && output.cluster_uuid == "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3" && output.cluster_name == "test-msk" && output.vpc_id == "vpc-0test"
    error_message = "region/cluster outputs are wrong"
  }

  assert {
    condition     = output.external_id_is_placeholder == false && output.allowed_principals == var.allowed_principals && output.databricks_msk_role_arn_for_credential == "arn:aws:iam::123456789012:role/test-databricks-msk"
    error_message = "the layer's outputs must pass through"
  }

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3] && [for b in output.brokers : b.hostname] == ["b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com", "b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com", "b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"] && [for b in output.brokers : b.client_ip] == ["10.42.0.10", "10.42.64.20", "10.42.128.30"]
    error_message = "brokers must carry each broker's own hostname and client address, in broker-id order"
  }

  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for b in output.brokers : b if contains(b.domain_names, split(":", hp)[0])]) == 1
    ]) && length(split(",", output.bootstrap_brokers_sasl_iam)) > 0
    error_message = "every bootstrap_brokers_sasl_iam hostname must be in exactly one broker's domain_names (one endpoint service and rule each)"
  }

  assert {
    condition     = output.ebs_volume_size == 1000 && output.zone_ids == tolist(["euw1-az1", "euw1-az2", "euw1-az3"])
    error_message = "ebs_volume_size and zone_ids outputs are wrong"
  }
}

# The configuration's name carries the plan's time: a replacement (a Kafka
# upgrade, -replace) creates a new configuration under a name the old one
# does not hold, before the old one is dropped.
run "configuration_replacement_gets_a_new_name" {
  command = apply

  plan_options {
    replace = [aws_msk_configuration.this]
  }

  assert {
    condition     = aws_msk_configuration.this.name != run.deploy_with_mocks.configuration_name && startswith(aws_msk_configuration.this.name, "test-kafka-3-9-x-")
    error_message = "a replaced configuration must not reuse its predecessor's name (create_before_destroy: the old one still holds it)"
  }
}

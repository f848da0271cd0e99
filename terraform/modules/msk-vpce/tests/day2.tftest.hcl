# Day 2: every change an operator can make through this module, planned
# against a deployment of three brokers (applied with the mock provider, so
# these are the plans of an existing deployment). For each: the remaining
# brokers' paths stay as applied (every output value known and equal: a
# replaced NLB, target group or endpoint service would have a new, unknown
# ARN), and the brokers' addresses stay known. test/day2 plans the same rows
# with real terraform and reads the actions.

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
  prefix             = "test"
  cidr_block         = "10.42.0.0/16"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "apply_3" {
  command = apply
}

run "storage_grows" {
  command = plan
  variables {
    ebs_volume_size = 1100
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers
    error_message = "growing storage must leave every broker's path as applied"
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 1100
    error_message = "the cluster must grow to ebs_volume_size"
  }
}

run "kafka_version_upgrade" {
  command = plan
  variables {
    kafka_version = "4.0.x"
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers && aws_msk_cluster.this.kafka_version == "4.0.x" && aws_msk_configuration.this.kafka_versions == toset(["4.0.x"])
    error_message = "a Kafka upgrade must leave every broker's path as applied, with a configuration for the new version"
  }
}

run "instance_type" {
  command = plan
  variables {
    instance_type = "kafka.m7g.xlarge"
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers
    error_message = "a new instance type must leave every broker's path as applied"
  }
}

run "server_property" {
  command = plan
  variables {
    auto_create_topics = true
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers && strcontains(aws_msk_configuration.this.server_properties, "auto.create.topics.enable=true")
    error_message = "a server property must leave every broker's path as applied"
  }
}

run "tags" {
  command = plan
  variables {
    tags = { team = "data" }
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers && aws_msk_cluster.this.tags.team == "data"
    error_message = "new tags must leave every broker's path as applied"
  }
}

run "log_retention" {
  command = plan
  variables {
    log_retention_days = 90
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers && aws_cloudwatch_log_group.broker.retention_in_days == 90
    error_message = "a new log retention must leave every broker's path as applied"
  }
}

# Storage autoscaling grew the volumes to 1150 GiB outside Terraform: the
# cluster keeps 1150 (MSK cannot shrink), and no path changes.
run "storage_autoscaling_drift" {
  command = plan
  variables {
    storage_autoscaling_max_gib = 4000
  }

  override_data {
    target          = data.aws_resourcegroupstaggingapi_resources.cluster[0]
    override_during = plan
    values = {
      resource_tag_mapping_list = [{ resource_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3", tags = { Name = "test-msk" }, compliance_details = [] }]
    }
  }

  override_data {
    target          = data.aws_msk_cluster.observed[0]
    override_during = plan
    values = {
      broker_node_group_info = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa", "subnet-bbb", "subnet-ccc"], security_groups = ["sg-broker"], instance_type = "kafka.m5.large", connectivity_info = [], storage_info = [{ ebs_storage_info = [{ volume_size = 1150, provisioned_throughput = [] }] }] }]
    }
  }

  override_data {
    target          = module.privatelink.data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
      broker_node_group_info     = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa", "subnet-bbb", "subnet-ccc"], security_groups = ["sg-broker"], instance_type = "kafka.m5.large", connectivity_info = [], storage_info = [{ ebs_storage_info = [{ volume_size = 1150, provisioned_throughput = [] }] }] }]
    }
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 1150 && output.ebs_volume_size == 1150
    error_message = "with autoscaling the cluster must keep what autoscaling grew (1150), not plan a shrink to ebs_volume_size (1000)"
  }

  assert {
    condition     = output.brokers == run.apply_3.brokers
    error_message = "autoscaling drift must leave every broker's path as applied"
  }

  assert {
    condition     = aws_appautoscaling_target.storage[0].max_capacity == 4000 && aws_appautoscaling_target.storage[0].scalable_dimension == "kafka:broker-storage:VolumeSize" && aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].disable_scale_in
    error_message = "storage autoscaling must target the brokers' volume size up to the maximum, never scaling in"
  }
}

# MSK only grows storage, by at least 10 GiB: refused at plan, before
# anything changes (MSK would refuse it after the plan was applied in part).
run "storage_shrink_refused" {
  command = plan
  variables {
    ebs_volume_size = 900
  }
  expect_failures = [output.ebs_volume_size]
}

run "storage_step_too_small_refused" {
  command = plan
  variables {
    ebs_volume_size = 1005
  }
  expect_failures = [output.ebs_volume_size]
}

# Three more brokers: the existing three keep their paths as applied; the
# new ones (ids 4-6, read once MSK has added them) get theirs in the same apply.
run "broker_count_3_to_6" {
  command = plan
  variables {
    broker_count = 6
  }

  assert {
    condition     = slice(output.brokers, 0, 3) == run.apply_3.brokers && [for b in output.brokers : b.broker_id] == [1, 2, 3, 4, 5, 6]
    error_message = "adding brokers must leave brokers 1-3's paths as applied and add paths for 4-6"
  }

  assert {
    condition     = aws_msk_cluster.this.number_of_broker_nodes == 6
    error_message = "the cluster must grow to six brokers"
  }
}

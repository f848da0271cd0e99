# Day 2 with six brokers: removing three. MSK removes the brokers that hold
# no partitions, whatever their ids, so the plan must be told which stay
# (broker_ids); then it removes exactly the others' paths and leaves the
# remaining brokers' paths as applied.

mock_provider "aws" {
  source = "./tests/mocks/aws"

  # Inline mocks take precedence over the source's: six brokers here.
  mock_data "aws_msk_broker_nodes" {
    defaults = {
      node_info_list = [
        { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.0.1", endpoints = ["b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/1" },
        { attached_eni_id = "eni-2", broker_id = 2, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.64.2", endpoints = ["b-2.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/2" },
        { attached_eni_id = "eni-3", broker_id = 3, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.128.3", endpoints = ["b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/3" },
        { attached_eni_id = "eni-4", broker_id = 4, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.0.4", endpoints = ["b-4.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/4" },
        { attached_eni_id = "eni-5", broker_id = 5, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.64.5", endpoints = ["b-5.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/5" },
        { attached_eni_id = "eni-6", broker_id = 6, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.128.6", endpoints = ["b-6.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/6" },
      ]
    }
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

variables {
  prefix             = "test"
  cidr_block         = "10.42.0.0/16"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
  broker_count       = 6
}

run "apply_6" {
  command = apply

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3, 4, 5, 6]
    error_message = "six brokers must have six paths"
  }
}

# Removing brokers without saying which: refused before anything changes.
run "removal_without_broker_ids_refused" {
  command = plan
  variables {
    broker_count = 3
  }
  expect_failures = [output.brokers]
}

# The operator moved every partition off brokers 2, 4 and 6 and says that 1,
# 3 and 5 stay: the plan removes exactly the others' paths; MSK still reports
# all six while planning (it removes them during the apply).
run "removal_of_2_4_6" {
  command = plan
  variables {
    broker_count = 3
    broker_ids   = [1, 3, 5]
  }

  assert {
    condition     = jsonencode(output.brokers) == jsonencode([for b in run.apply_6.brokers : b if contains([1, 3, 5], b.broker_id)])
    error_message = "brokers 1, 3 and 5 must keep their paths as applied, and only theirs remain"
  }

  assert {
    condition     = aws_msk_cluster.this.number_of_broker_nodes == 3
    error_message = "the cluster must shrink to three brokers"
  }
}

# After the removal MSK reports brokers 1, 3 and 5 of the six, and
# bootstraps from them. (broker_ids naming a broker MSK no longer reports is
# refused: msk-privatelink's tests, refuses_a_broker_msk_does_not_report.)
run "msk_reports_1_3_5" {
  command = plan
  variables {
    broker_count = 3
    broker_ids   = [1, 3, 5]
  }

  override_data {
    target          = module.privatelink.data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/test-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "b-5.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
      broker_node_group_info     = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa", "subnet-bbb", "subnet-ccc"], security_groups = ["sg-broker"], instance_type = "kafka.m5.large", connectivity_info = [], storage_info = [{ ebs_storage_info = [{ volume_size = 1000, provisioned_throughput = [] }] }] }]
    }
  }

  override_data {
    target          = module.privatelink.data.aws_msk_broker_nodes.this
    override_during = plan
    values = {
      node_info_list = [
        { attached_eni_id = "eni-5", broker_id = 5, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.64.5", endpoints = ["b-5.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/5" },
        { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.0.1", endpoints = ["b-1.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/1" },
        { attached_eni_id = "eni-3", broker_id = 3, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.128.3", endpoints = ["b-3.test-msk.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "arn:aws:kafka:eu-west-1:123456789012:broker/test-msk/0b1c2d3e/3" },
      ]
    }
  }

  assert {
    condition     = jsonencode(output.brokers) == jsonencode([for b in run.apply_6.brokers : b if contains([1, 3, 5], b.broker_id)])
    error_message = "brokers 1, 3 and 5 must keep their paths as applied"
  }
}

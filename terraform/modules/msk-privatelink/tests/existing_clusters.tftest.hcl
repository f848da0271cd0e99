# The shapes of clusters people already run, and the ones the layer refuses
# before anything is built (each refusal names the fix).

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

variables {
  prefix             = "orders"
  cluster_arn        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "six_brokers_in_three_zones" {
  command = plan

  override_data {
    target          = data.aws_msk_broker_nodes.this
    override_during = plan
    values = {
      node_info_list = [
        { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.0.1", endpoints = ["b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-1" },
        { attached_eni_id = "eni-2", broker_id = 2, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.1.2", endpoints = ["b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-2" },
        { attached_eni_id = "eni-3", broker_id = 3, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.2.3", endpoints = ["b-3.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-3" },
        { attached_eni_id = "eni-4", broker_id = 4, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.0.4", endpoints = ["b-4.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-4" },
        { attached_eni_id = "eni-5", broker_id = 5, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.1.5", endpoints = ["b-5.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-5" },
        { attached_eni_id = "eni-6", broker_id = 6, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.2.6", endpoints = ["b-6.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-6" },
      ]
    }
  }

  assert {
    condition     = keys(aws_lb.broker) == ["1", "2", "3", "4", "5", "6"] && [for b in output.brokers : b.broker_id] == [1, 2, 3, 4, 5, 6]
    error_message = "six brokers must get six paths keyed by id, output sorted by id"
  }

  assert {
    condition     = aws_lb_target_group_attachment.broker["4"].target_id == "10.42.0.4" && one(aws_lb.broker["4"].subnets) == "subnet-aaa" && one(aws_lb.broker["6"].subnets) == "subnet-ccc"
    error_message = "broker 4's path must reach broker 4 in its own subnet"
  }
}

# MSK removed brokers 2, 4 and 6 (they held no partitions): the remaining ids
# have gaps, and so do the keys; nothing is keyed by position.
run "ids_with_gaps" {
  command = plan

  override_data {
    target          = data.aws_msk_broker_nodes.this
    override_during = plan
    values = {
      node_info_list = [
        { attached_eni_id = "eni-5", broker_id = 5, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.9.5", endpoints = ["b-5.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-5" },
        { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.9.1", endpoints = ["b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-1" },
        { attached_eni_id = "eni-3", broker_id = 3, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.42.9.3", endpoints = ["b-3.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-3" },
      ]
    }
  }

  assert {
    condition     = keys(aws_lb.broker) == ["1", "3", "5"] && [for b in output.brokers : b.broker_id] == [1, 3, 5] && [for lb in aws_lb.broker : lb.name] == ["orders-nlb-1", "orders-nlb-3", "orders-nlb-5"]
    error_message = "brokers 1, 3 and 5 must keep the paths named for their ids"
  }
}

run "two_zones" {
  command = plan

  override_data {
    target          = data.aws_msk_broker_nodes.this
    override_during = plan
    values = {
      node_info_list = [
        { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.42.1.10", endpoints = ["b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-1" },
        { attached_eni_id = "eni-2", broker_id = 2, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.42.2.10", endpoints = ["b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"], node_arn = "n-2" },
      ]
    }
  }

  override_data {
    target          = data.aws_subnet.broker["2"]
    override_during = plan
    values          = { id = "subnet-bbb", vpc_id = "vpc-0cluster", availability_zone = "eu-west-1b", availability_zone_id = "euw1-az2" }
  }

  assert {
    condition     = keys(aws_lb.broker) == ["1", "2"] && output.zone_ids == tolist(["euw1-az1", "euw1-az2"])
    error_message = "a two-zone cluster must get one path per broker, in its zones"
  }
}

# Express brokers bootstrap through boot-... hostnames that are no broker's:
# each must be in exactly one broker's domain_names, spread in id order.
run "express_brokers" {
  command = plan

  override_data {
    target          = data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "boot-zz9.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,boot-aa1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,boot-mm5.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,boot-qq7.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
      kafka_version              = "3.6.0"
      broker_node_group_info = [{
        az_distribution = "DEFAULT", client_subnets = ["subnet-aaa", "subnet-bbb", "subnet-ccc"], security_groups = ["sg-cluster"]
        instance_type   = "express.m7g.large", connectivity_info = [], storage_info = []
      }]
    }
  }

  assert {
    condition = [for b in output.brokers : b.domain_names] == [
      ["b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com", "boot-aa1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com", "boot-zz9.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"],
      ["b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com", "boot-mm5.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"],
      ["b-3.orders.abc123.c2.kafka.eu-west-1.amazonaws.com", "boot-qq7.orders.abc123.c2.kafka.eu-west-1.amazonaws.com"],
    ]
    error_message = "each boot-... hostname must be given to exactly one broker's domain_names, spread in broker-id order"
  }

  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for b in output.brokers : b if contains(b.domain_names, split(":", hp)[0])]) == 1
    ])
    error_message = "every bootstrap hostname must be in exactly one broker's domain_names"
  }

  assert {
    condition     = output.volume_size == null
    error_message = "Express brokers have no EBS volume to report"
  }
}

run "refuses_iam_off" {
  command = plan

  override_data {
    target          = data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = ""
      broker_node_group_info     = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa"], security_groups = ["sg-cluster"], instance_type = "kafka.m5.large", connectivity_info = [], storage_info = [] }]
    }
  }

  expect_failures = [aws_security_group.nlb]
}

run "refuses_serverless" {
  command = plan

  override_data {
    target          = data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "boot-abc.c3.kafka-serverless.eu-west-1.amazonaws.com:9098"
      broker_node_group_info     = []
    }
  }

  override_data {
    target          = data.aws_msk_broker_nodes.this
    override_during = plan
    values          = { node_info_list = [] }
  }

  expect_failures = [aws_security_group.nlb]
}

run "refuses_another_region" {
  command = plan

  variables {
    cluster_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  }

  # Only the region disagrees (the cluster found by name is this ARN).
  override_data {
    target          = data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
      broker_node_group_info     = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa"], security_groups = ["sg-cluster"], instance_type = "kafka.m5.large", connectivity_info = [], storage_info = [] }]
    }
  }

  expect_failures = [aws_security_group.nlb]
}

# The name now belongs to a cluster that was deleted and created again.
run "refuses_a_stale_arn" {
  command = plan

  variables {
    cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/11111111-4f50-6172-8394-a5b6c7d8e9f0-3"
  }

  expect_failures = [aws_security_group.nlb]
}

run "refuses_a_broker_msk_does_not_report" {
  command = plan

  variables {
    broker_ids = [1, 2, 3, 4]
  }

  expect_failures = [aws_lb.broker["4"]]
}

run "refuses_brokers_in_two_vpcs" {
  command = plan

  override_data {
    target          = data.aws_subnet.broker["2"]
    override_during = plan
    values          = { id = "subnet-bbb", vpc_id = "vpc-0other", availability_zone = "eu-west-1b", availability_zone_id = "euw1-az2" }
  }

  expect_failures = [aws_security_group.nlb]
}

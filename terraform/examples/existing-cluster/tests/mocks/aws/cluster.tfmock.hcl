# The existing cluster every test of this root plans against (mock_provider
# "aws" { source = "./tests/mocks/aws" }): three Standard brokers in three
# subnets of one VPC, IAM authentication on, in one account in us-east-1.

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
    region = "us-east-1"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names    = ["us-east-1a", "us-east-1b", "us-east-1c"]
    zone_ids = ["use1-az1", "use1-az2", "use1-az4"]
  }
}

mock_data "aws_msk_cluster" {
  defaults = {
    arn                        = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
    bootstrap_brokers_sasl_iam = "b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-3.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
    kafka_version              = "3.8.x"
    broker_node_group_info = [{
      az_distribution   = "DEFAULT"
      client_subnets    = ["subnet-aaa", "subnet-bbb", "subnet-ccc"]
      security_groups   = ["sg-cluster"]
      instance_type     = "kafka.m7g.large"
      connectivity_info = []
      storage_info      = [{ ebs_storage_info = [{ volume_size = 2000, provisioned_throughput = [] }] }]
    }]
  }
}

mock_data "aws_msk_broker_nodes" {
  defaults = {
    node_info_list = [
      { attached_eni_id = "eni-1", broker_id = 1, client_subnet = "subnet-aaa", client_vpc_ip_address = "10.8.0.10", endpoints = ["b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com"], node_arn = "n-1" },
      { attached_eni_id = "eni-2", broker_id = 2, client_subnet = "subnet-bbb", client_vpc_ip_address = "10.8.64.20", endpoints = ["b-2.orders.abc123.c2.kafka.us-east-1.amazonaws.com"], node_arn = "n-2" },
      { attached_eni_id = "eni-3", broker_id = 3, client_subnet = "subnet-ccc", client_vpc_ip_address = "10.8.128.30", endpoints = ["b-3.orders.abc123.c2.kafka.us-east-1.amazonaws.com"], node_arn = "n-3" },
    ]
  }
}

mock_data "aws_subnet" {
  defaults = {
    vpc_id               = "vpc-0existing"
    availability_zone    = "us-east-1a"
    availability_zone_id = "use1-az1"
  }
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  # Kafka's SASL/IAM listener on MSK, and the port of every NLB listener.
  kafka_iam_port = 9098

  # MSK spreads brokers evenly over the client subnets; three zones, so
  # broker_count must be a multiple of three.
  az_count = 3

  tags = merge(var.tags, { Module = "mskvpce/msk-vpce" })
}

locals {
  # MSK spreads brokers evenly over the client subnets; three zones, so
  # broker_count must be a multiple of three.
  az_count = 3

  tags = merge(var.tags, { Module = "mskvpce/msk-vpce" })
}

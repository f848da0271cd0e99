# Either a small VPC of our own, one subnet per zone ID the endpoint
# services use, or the operator's subnets.

resource "aws_vpc" "this" {
  count = local.own_vpc ? 1 : 0

  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = "${var.prefix}-verify-canary" })
}

resource "aws_subnet" "this" {
  count = local.own_vpc ? length(local.zone_ids) : 0

  vpc_id               = aws_vpc.this[0].id
  availability_zone_id = local.zone_ids[count.index]
  # A /26 each in the default /24 for up to 4 zones (a zone holds one ENI
  # per broker there, STS's and Lambda's), /28s beyond.
  cidr_block              = cidrsubnet(var.cidr_block, length(local.zone_ids) <= 4 ? 2 : 4, count.index)
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.prefix}-verify-canary-${local.zone_ids[count.index]}" })
}

data "aws_subnet" "given" {
  for_each = toset(var.subnet_ids)

  id = each.value
}

locals {
  vpc_id = local.own_vpc ? aws_vpc.this[0].id : data.aws_subnet.given[var.subnet_ids[0]].vpc_id

  # id and zone ID of every canary subnet, in a stable order.
  subnets = local.own_vpc ? [
    for i, s in aws_subnet.this : { id = s.id, zone_id = local.zone_ids[i] }
    ] : [
    for id in var.subnet_ids : { id = id, zone_id = data.aws_subnet.given[id].availability_zone_id }
  ]

  subnet_ids = [for s in local.subnets : s.id]
}

resource "aws_security_group" "runner" {
  name        = "${var.prefix}-canary-runner"
  description = "mskvpce verify canary Lambda"
  vpc_id      = local.vpc_id

  tags = local.tags

  lifecycle {
    precondition {
      condition     = local.own_vpc || length(distinct([for s in data.aws_subnet.given : s.vpc_id])) == 1
      error_message = "subnet_ids must all be in one VPC."
    }
  }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.prefix}-canary-endpoints"
  description = "Interface endpoints the canary dials (brokers on 9098, STS on 443)"
  vpc_id      = local.vpc_id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "runner_kafka" {
  security_group_id            = aws_security_group.runner.id
  description                  = "Kafka IAM to the broker endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "runner_https" {
  security_group_id            = aws_security_group.runner.id
  description                  = "STS through its interface endpoint"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_kafka" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "Kafka IAM from the canary"
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
  referenced_security_group_id = aws_security_group.runner.id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "STS from the canary"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.runner.id
}

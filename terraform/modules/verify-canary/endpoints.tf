# One interface endpoint per broker, only in the subnets whose zone ID its
# endpoint service is offered in (an NLB without cross-zone lives in one).
resource "aws_vpc_endpoint" "broker" {
  for_each = local.brokers

  vpc_id              = local.vpc_id
  service_name        = each.value.endpoint_service_name
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = false
  security_group_ids  = [aws_security_group.endpoints.id]
  subnet_ids          = [for s in local.subnets : s.id if contains(local.broker_zone_ids[each.key], s.zone_id)]

  tags = merge(local.tags, { Name = "${var.prefix}-canary-broker-${each.key}" })

  lifecycle {
    precondition {
      condition     = length([for s in local.subnets : s if contains(local.broker_zone_ids[each.key], s.zone_id)]) > 0
      error_message = "No canary subnet is in a zone ID that broker ${each.key}'s endpoint service is offered in (${join(", ", local.broker_zone_ids[each.key])}): add a subnet there to subnet_ids or zone_ids."
    }
  }
}

# The endpoint services require acceptance; accept exactly these endpoints.
resource "aws_vpc_endpoint_connection_accepter" "broker" {
  for_each = var.accept_connections ? local.brokers : {}

  vpc_endpoint_service_id = each.value.endpoint_service_id
  vpc_endpoint_id         = aws_vpc_endpoint.broker[each.key].id
}

# The canary has no internet and no NAT: STS is reached privately.
resource "aws_vpc_endpoint" "sts" {
  count = var.create_sts_endpoint ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.region}.sts"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  security_group_ids  = [aws_security_group.endpoints.id]
  subnet_ids          = local.subnet_ids

  tags = merge(local.tags, { Name = "${var.prefix}-canary-sts" })
}

# One endpoint service per NLB, so a consumer's interface endpoint to service
# <id> reaches broker <id> only. Databricks serverless connects through
# private endpoint rules of its network connectivity configuration (NCC), one
# per service.
resource "aws_vpc_endpoint_service" "broker" {
  for_each = local.brokers

  network_load_balancer_arns = [aws_lb.broker[each.key].arn]
  acceptance_required        = var.acceptance_required
  allowed_principals         = var.allowed_principals
  supported_ip_address_types = ["ipv4"]
  # Consumers in other regions (a Databricks workspace elsewhere); AWS offers
  # a cross-region service only from an NLB in at least two zones, hence the
  # validation that asks for nlb_zones = "all".
  supported_regions = length(var.supported_regions) == 0 ? null : var.supported_regions

  tags = merge(local.tags, {
    Name     = "${var.prefix}-vpce-svc-${each.key}"
    BrokerId = each.key
  })
}

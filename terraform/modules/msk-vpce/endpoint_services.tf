# One endpoint service per NLB, so a consumer's interface endpoint i reaches
# broker i only. Databricks serverless connects through private endpoint
# rules of its network connectivity configuration (NCC), one per service.
resource "aws_vpc_endpoint_service" "broker" {
  count = var.broker_count

  network_load_balancer_arns = [aws_lb.broker[count.index].arn]
  acceptance_required        = var.acceptance_required
  allowed_principals         = var.allowed_principals
  supported_ip_address_types = ["ipv4"]

  tags = merge(local.tags, {
    Name     = "${var.prefix}-vpce-svc-${count.index + 1}"
    BrokerId = tostring(local.brokers[count.index].broker_id)
  })
}

# The broker healer: a Lambda that keeps every broker's NLB target equal to
# that broker's current client address (internal/heal), on a schedule, with
# a role that may change this deployment's target groups and nothing else.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  function_name    = "${var.prefix}-broker-healer"
  metric_namespace = "mskvpce/BrokerHealer"

  tags = merge(var.tags, { Component = "mskvpce-broker-healer" })

  target_group_arns = sort([for b in values(var.brokers) : b.target_group_arn])

  # The paths in the function's environment (heallambda.Paths): Lambda allows
  # 4 KB for all variables, and 30 brokers' full ARNs and hostnames would
  # take ~5-7 KB, so what every path shares is said once: the target group
  # ARN prefix (partition, region, account) and the cluster's domain.
  first_broker = values(var.brokers)[0]
  arn_prefix   = "${split(":targetgroup/", local.first_broker.target_group_arn)[0]}:targetgroup/"
  first_host   = split(".", lower(local.first_broker.hostname))
  domain       = join(".", slice(local.first_host, 1, length(local.first_host)))
  paths_env = jsonencode({
    arn_prefix = local.arn_prefix
    domain     = local.domain
    brokers    = { for id, b in var.brokers : id => [trimprefix(b.target_group_arn, local.arn_prefix), split(".", lower(b.hostname))[0]] }
  })
}

# The broker-path healer (../broker-healer): a Lambda that re-points each
# broker's target at the broker's current address within a minute of MSK
# moving it, keyed by broker id as everything here. Off without a zip
# (healer_lambda_zip_path); `deploy heal` runs the same reconciler on demand.
module "healer" {
  source = "../broker-healer"
  count  = var.healer_lambda_zip_path == null ? 0 : 1

  prefix      = var.prefix
  cluster_arn = var.cluster_arn
  brokers = {
    for k, b in local.brokers : k => {
      target_group_arn = aws_lb_target_group.broker[k].arn
      hostname         = b.hostname
    }
  }
  lambda_zip_path       = var.healer_lambda_zip_path
  schedule_rate_minutes = var.healer_schedule_rate_minutes
  sns_topic_enabled     = var.healer_sns_topic_enabled
  alarm_actions         = var.healer_alarm_actions

  tags = local.tags
}

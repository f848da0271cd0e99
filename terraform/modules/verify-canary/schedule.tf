# The scheduled canary: an EventBridge rule sends the event every
# schedule_rate_minutes; each path's PathPassed metric feeds one alarm.

locals {
  alarms = var.schedule_enabled && var.alarms_enabled
  alarm_actions = concat(
    aws_sns_topic.alarms[*].arn,
    var.alarm_actions,
  )
}

resource "aws_cloudwatch_event_rule" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  name                = "${var.prefix}-verify-canary"
  description         = "mskvpce: run the verify canary"
  schedule_expression = var.schedule_rate_minutes == 1 ? "rate(1 minute)" : "rate(${var.schedule_rate_minutes} minutes)"

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  rule  = aws_cloudwatch_event_rule.schedule[0].name
  arn   = aws_lambda_function.runner.arn
  input = jsonencode(local.event)

  # A missed run shows as missing data (breaching); retrying a run that
  # reports late would only blur time-to-verdict.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }
}

# Scheduled invocations are asynchronous; Lambda would retry a failed one
# twice, so one broken run would report three times, minutes late.
resource "aws_lambda_function_event_invoke_config" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  function_name                = aws_lambda_function.runner.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.runner.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}

# The topic is encrypted with a customer managed key: CloudWatch alarms
# cannot publish to a topic under the AWS managed alias/aws/sns key, whose
# policy cannot be changed to admit them.
resource "aws_kms_key" "alarms" {
  count = local.alarms && var.sns_topic_enabled && var.sns_kms_key_arn == null ? 1 : 0

  description         = "${var.prefix} verify canary alarm topic"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })

  tags = local.tags
}

resource "aws_sns_topic" "alarms" {
  count = local.alarms && var.sns_topic_enabled ? 1 : 0

  name              = "${var.prefix}-verify-canary-alarms"
  kms_master_key_id = coalesce(var.sns_kms_key_arn, one(aws_kms_key.alarms[*].arn))

  tags = local.tags
}

# One alarm per broker path. Missing data breaches: a canary that did not
# report (function error, role assumption refused) is not a healthy path.
resource "aws_cloudwatch_metric_alarm" "path" {
  for_each = local.alarms ? local.brokers : {}

  alarm_name          = "${var.prefix}-verify-canary-broker-${each.key}"
  alarm_description   = "Broker ${each.key} (${lower(each.value.hostname)}) is not verified through ${each.value.endpoint_service_name}: read the latest report in ${aws_cloudwatch_log_group.runner.name}, or invoke ${local.function_name}."
  namespace           = local.metric_namespace
  metric_name         = "PathPassed"
  dimensions          = { Canary = var.prefix, BrokerId = each.key }
  statistic           = "Minimum"
  period              = var.schedule_rate_minutes * 60
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_evaluation_periods
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# The schedule (every schedule_rate_minutes, one minute by default) and the
# alarms: on refusals, on heals that failed or stayed unhealthy, and on the
# function's errors (a run that could not read the cluster or the groups).

locals {
  alarms = var.schedule_enabled && var.alarms_enabled
  alarm_actions = concat(
    aws_sns_topic.alarms[*].arn,
    var.alarm_actions,
  )
}

resource "aws_cloudwatch_event_rule" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  name                = local.function_name
  description         = "mskvpce: run the broker healer"
  schedule_expression = var.schedule_rate_minutes == 1 ? "rate(1 minute)" : "rate(${var.schedule_rate_minutes} minutes)"

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  rule = aws_cloudwatch_event_rule.schedule[0].name
  arn  = aws_lambda_function.healer.arn

  # The next run comes within a minute; a retried one would only queue
  # behind a run that is still waiting for a target.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }
}

# Scheduled invocations are asynchronous: a run throttled by the reserved
# concurrency of 1 (another still waits for a target) is dropped after a
# minute instead of piling up.
resource "aws_lambda_function_event_invoke_config" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  function_name                = aws_lambda_function.healer.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule_enabled ? 1 : 0

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.healer.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}

# The topic is encrypted with a customer managed key: CloudWatch alarms
# cannot publish to a topic under the AWS managed alias/aws/sns key.
resource "aws_kms_key" "alarms" {
  count = local.alarms && var.sns_topic_enabled && var.sns_kms_key_arn == null ? 1 : 0

  description         = "${var.prefix} broker healer alarm topic"
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

  name              = "${local.function_name}-alarms"
  kms_master_key_id = coalesce(var.sns_kms_key_arn, one(aws_kms_key.alarms[*].arn))

  tags = local.tags
}

# Refusals: the mapping of brokers to target groups is ambiguous and the
# healer changes nothing until someone looks. Runs without data (one still
# waiting for a target) neither raise nor clear it.
resource "aws_cloudwatch_metric_alarm" "refusals" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${local.function_name}-refusals"
  alarm_description   = "The broker healer refuses to re-point any NLB: brokers and target groups do not map one to one by broker id, or a broker's hostname changed. Read the refusals (reason, detail, next_step) in ${aws_cloudwatch_log_group.healer.name}, or run `deploy heal`."
  namespace           = local.metric_namespace
  metric_name         = "Refusals"
  dimensions          = { Healer = var.prefix }
  statistic           = "Maximum"
  period              = var.schedule_rate_minutes * 60
  evaluation_periods  = var.refusal_evaluation_periods
  datapoints_to_alarm = var.refusal_evaluation_periods
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "ignore"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# A heal that failed, or a broker's new address that never became healthy
# (both targets kept): a broker path may be down.
resource "aws_cloudwatch_metric_alarm" "heal_failures" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${local.function_name}-heal-failures"
  alarm_description   = "The broker healer could not heal a broker path (a call failed, or the broker's new address never became healthy and the old target was kept). Read the brokers' status and next_step in ${aws_cloudwatch_log_group.healer.name}."
  namespace           = local.metric_namespace
  metric_name         = "HealFailures"
  dimensions          = { Healer = var.prefix }
  statistic           = "Maximum"
  period              = var.schedule_rate_minutes * 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "ignore"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

# A run that could not look at all: MSK or ELBv2 refused to answer (its
# permissions, the cluster gone), or the function cannot start.
resource "aws_cloudwatch_metric_alarm" "errors" {
  count = local.alarms ? 1 : 0

  alarm_name          = "${local.function_name}-errors"
  alarm_description   = "The broker healer's runs fail before judging any broker (a read refused, the cluster gone, a bad configuration): read ${aws_cloudwatch_log_group.healer.name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.healer.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

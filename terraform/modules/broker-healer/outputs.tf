output "function_name" {
  description = "Name of the healer Lambda; invoke it (any payload) to heal on demand, as `deploy heal --yes` does from an operator's machine."
  value       = aws_lambda_function.healer.function_name
}

output "function_arn" {
  description = "ARN of the healer Lambda."
  value       = aws_lambda_function.healer.arn
}

output "role_arn" {
  description = "Role the healer runs as (RegisterTargets and DeregisterTargets on the brokers' target groups only)."
  value       = aws_iam_role.healer.arn
}

output "log_group_name" {
  description = "Log group of the healer's runs: each run's metrics line and JSON report (every refusal and heal with its reason)."
  value       = aws_cloudwatch_log_group.healer.name
}

output "metric_namespace" {
  description = "CloudWatch namespace of the healer's metrics (Heals, Refusals, HealFailures, TimeToHealthy per Healer = prefix)."
  value       = local.metric_namespace
}

output "alarm_arns" {
  description = "ARNs of the alarms by name (refusals, heal_failures, errors); empty unless schedule_enabled and alarms_enabled."
  value = local.alarms ? {
    refusals      = aws_cloudwatch_metric_alarm.refusals[0].arn
    heal_failures = aws_cloudwatch_metric_alarm.heal_failures[0].arn
    errors        = aws_cloudwatch_metric_alarm.errors[0].arn
  } : {}
}

output "sns_topic_arn" {
  description = "SNS topic the alarms notify, when sns_topic_enabled; null otherwise."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "schedule_rule_arn" {
  description = "EventBridge rule that runs the healer, when schedule_enabled; null otherwise."
  value       = one(aws_cloudwatch_event_rule.schedule[*].arn)
}

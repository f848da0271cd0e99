output "function_name" {
  description = "Name of the canary Lambda; invoke it with the event output to verify on demand."
  value       = aws_lambda_function.runner.function_name
}

output "function_arn" {
  description = "ARN of the canary Lambda."
  value       = aws_lambda_function.runner.arn
}

output "role_arn" {
  description = "Role the canary runs as: the Databricks role's trust policy must admit it (msk-vpce additional_trusted_role_arns)."
  value       = aws_iam_role.runner.arn
}

output "event" {
  description = "The invoke payload (remoteverify.Event JSON) the schedule sends: timeout_seconds (an on-demand caller may lower it, or add sasl_mechanism). Brokers, role and external ID are the function's own configuration (its environment), never an event's."
  value       = jsonencode(local.event)
}

output "vpc_id" {
  description = "ID of the VPC the canary runs in."
  value       = local.vpc_id
}

output "subnet_ids" {
  description = "Subnets of the canary (its own or var.subnet_ids)."
  value       = local.subnet_ids
}

output "zone_ids" {
  description = "AZ IDs the broker endpoint services are offered in (where the canary's subnets are)."
  value       = local.zone_ids
}

output "endpoints" {
  description = "Per broker, sorted by broker id: the canary's interface endpoint ID (accept exactly this ID on the endpoint service), its zone IDs and its connection state."
  value = [for b in var.brokers : {
    broker_id           = b.broker_id
    hostname            = lower(b.hostname)
    endpoint_service_id = b.endpoint_service_id
    vpc_endpoint_id     = aws_vpc_endpoint.broker[tostring(b.broker_id)].id
    zone_ids            = local.broker_zone_ids[tostring(b.broker_id)]
    state               = aws_vpc_endpoint.broker[tostring(b.broker_id)].state
  }]
}

output "hosted_zone_id" {
  description = "Private hosted zone that maps the brokers' domain names (dns_names) to their endpoints."
  value       = aws_route53_zone.cluster.zone_id
}

output "dns_names" {
  description = "Every hostname the zone maps, sorted: every broker's domain_names (its hostname, and the bootstrap hostnames given to it)."
  value       = local.dns_names
}

output "metric_namespace" {
  description = "CloudWatch namespace of the canary's metrics (PathPassed and TimeToVerdict per Canary and BrokerId)."
  value       = local.metric_namespace
}

output "alarm_arns" {
  description = "ARNs of the path alarms, one per broker in the order of brokers (its length is known at plan); empty unless schedule_enabled and alarms_enabled."
  value       = [for b in var.brokers : aws_cloudwatch_metric_alarm.path[tostring(b.broker_id)].arn if local.alarms]
}

output "sns_topic_arn" {
  description = "SNS topic the alarms notify, when sns_topic_enabled; null otherwise."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "schedule_rule_arn" {
  description = "EventBridge rule that runs the canary, when schedule_enabled; null otherwise."
  value       = one(aws_cloudwatch_event_rule.schedule[*].arn)
}

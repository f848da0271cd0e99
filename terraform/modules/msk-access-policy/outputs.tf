output "policy_json" {
  description = "The IAM identity policy (JSON) granting least-privilege Kafka data-plane access to this cluster: connect to the cluster and write idempotently (no DescribeCluster: no consumer, producer or Admin request Spark sends needs it), describe/read/write the topics in scope, describe/alter the consumer groups in scope."
  value       = jsonencode(local.policy)
}

output "cluster_resource_arn" {
  description = "The cluster ARN the Connect/WriteDataIdempotently statement is scoped to."
  value       = local.cluster_resource
}

output "topic_resource_arn" {
  description = "The topic ARN pattern the topic statement is scoped to (`.../topic/<name>/<uuid>/<prefix>*`)."
  value       = local.topic_resource
}

output "group_resource_arn" {
  description = "The consumer-group ARN pattern the group statement is scoped to (`.../group/<name>/<uuid>/<prefix>*`)."
  value       = local.group_resource
}

# Output names are a contract: internal/tfoutputs parses them. Rename nothing
# without changing it there. The per-broker layer's outputs pass through.

output "region" {
  description = "AWS region of the deployment."
  value       = module.privatelink.region
}

output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the MSK cluster."
  value       = aws_msk_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the MSK cluster (the last part of its ARN; also part of topic and group ARNs)."
  value       = aws_msk_cluster.this.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Comma-separated host:9098 bootstrap brokers for SASL/IAM. Inside the VPC they resolve to the brokers; from Databricks they must resolve to the per-broker endpoints (NCC private endpoint rules)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "vpc_id" {
  description = "ID of the MSK VPC."
  value       = aws_vpc.this.id
}

output "broker_security_group_id" {
  description = "Security group of the MSK broker ENIs (9098 from the NLB security group only)."
  value       = aws_security_group.broker.id
}

output "nlb_security_group_id" {
  description = "Security group of the per-broker NLBs."
  value       = module.privatelink.nlb_security_group_id
}

output "databricks_msk_role_arn" {
  description = "ARN of the IAM role for the Databricks Unity Catalog service credential."
  value       = module.privatelink.databricks_msk_role_arn
}

output "databricks_msk_role_arn_for_credential" {
  description = "The same ARN, built from the role's name: known before the role exists, so a Databricks service credential can be created in the same apply as the trust policy that names its external ID (using databricks_msk_role_arn there would be a cycle)."
  value       = module.privatelink.databricks_msk_role_arn_for_credential
}

output "databricks_msk_role_name" {
  description = "Name of the IAM role for the Databricks Unity Catalog service credential."
  value       = module.privatelink.databricks_msk_role_name
}

output "external_id_is_placeholder" {
  description = "True while databricks_external_id is still the placeholder \"0000\": create the service credential in Databricks, set its external ID, and re-apply."
  value       = module.privatelink.external_id_is_placeholder
}

output "allowed_principals" {
  description = "Principals allowed to create endpoints to the per-broker endpoint services."
  value       = module.privatelink.allowed_principals
}

output "brokers" {
  description = "One object per broker, sorted by broker id: the broker as Kafka advertises it, the NLB and endpoint service that front it, and the domain_names a consumer's DNS must resolve to its endpoint. Create one Databricks NCC private endpoint rule per element (endpoint_service_name, domain_names)."
  # The brokers of a cluster this module creates are Standard brokers
  # (kafka.* types), whose bootstrap hostnames are their own: domain_names is
  # [hostname], a list whose length is known while the cluster is still being
  # created (the layer's own is not: it reads the bootstrap string), so
  # callers can key by its names in the same apply (the verify canary's
  # records).
  value = [for b in module.privatelink.brokers : merge(b, { domain_names = [b.hostname] })]

  # Removing brokers: MSK removes the brokers that hold no partitions,
  # whatever their ids, so the plan cannot know which paths go unless the
  # operator says so. Refused here, before anything changes.
  precondition {
    condition     = var.broker_ids != null || length(module.privatelink.reported_broker_ids) <= var.broker_count
    error_message = "MSK reports ${length(module.privatelink.reported_broker_ids)} brokers (${join(", ", module.privatelink.reported_broker_ids)}) and broker_count is ${var.broker_count}: this removes brokers. MSK removes the brokers that hold no partitions, whatever their ids, so say which stay: move every partition off the brokers to remove (kafka-reassign-partitions or Cruise Control), then set broker_ids to the ${var.broker_count} ids that stay, e.g. broker_ids = [${join(", ", slice(module.privatelink.reported_broker_ids, 0, min(var.broker_count, length(module.privatelink.reported_broker_ids))))}]. The plan then removes exactly the other brokers' paths."
  }
}

output "ebs_volume_size" {
  description = "EBS storage per broker, in GiB, that this plan sets (with storage autoscaling: never below what MSK has)."
  value       = local.volume_size

  # MSK's storage rules, checked against what the brokers have now, before
  # anything changes (MSK would refuse the update after the plan was applied
  # in part).
  precondition {
    condition     = module.privatelink.volume_size == null || local.volume_size >= module.privatelink.volume_size
    error_message = "The brokers have ${coalesce(module.privatelink.volume_size, 0)} GiB each (grown outside this configuration, or by storage autoscaling), and MSK cannot shrink storage: set ebs_volume_size = ${coalesce(module.privatelink.volume_size, 0)} (or more, by at least 10 GiB)."
  }

  precondition {
    condition     = module.privatelink.volume_size == null || local.volume_size == module.privatelink.volume_size || local.volume_size >= module.privatelink.volume_size + 10
    error_message = "MSK grows storage by at least 10 GiB a step: the brokers have ${coalesce(module.privatelink.volume_size, 0)} GiB, so ebs_volume_size must stay ${coalesce(module.privatelink.volume_size, 0)} or be ${coalesce(module.privatelink.volume_size, 0) + 10} or more."
  }
}

output "configuration_name" {
  description = "Name of the cluster's MSK configuration (a new one, created before the old is dropped, at every Kafka version upgrade)."
  value       = aws_msk_configuration.this.name
}

output "zone_ids" {
  description = "AZ IDs of the private subnets (the brokers' and NLBs' zones), in subnet order. IDs, unlike names, are the same in every account: a consumer places its endpoints by them."
  value       = slice(data.aws_availability_zones.available.zone_ids, 0, local.az_count)
}

output "databricks_uc_master_role_arn" {
  description = "The Unity Catalog master role the MSK role's trust policy names."
  value       = module.privatelink.databricks_uc_master_role_arn
}

output "healer" {
  description = "The broker-path healer when healer_lambda_zip_path is set (function_name, role_arn, metric_namespace, alarm_arns, sns_topic_arn); null otherwise."
  value       = module.privatelink.healer
}

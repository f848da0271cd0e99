# Re-exports every output of the module (the contract read by internal/tfoutputs).

output "region" {
  description = "AWS region of the deployment."
  value       = module.privatelink.region
}

output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = module.privatelink.cluster_arn
}

output "cluster_name" {
  description = "Name of the MSK cluster."
  value       = module.privatelink.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the MSK cluster (the last part of its ARN; also part of topic and group ARNs)."
  value       = module.privatelink.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Comma-separated host:9098 bootstrap brokers for SASL/IAM. Inside the VPC they resolve to the brokers; from Databricks they must resolve to the per-broker endpoints (NCC private endpoint rules)."
  value       = module.privatelink.bootstrap_brokers_sasl_iam
}

output "vpc_id" {
  description = "ID of the cluster's VPC, where the NLBs are."
  value       = module.privatelink.vpc_id
}

output "broker_security_group_id" {
  description = "The brokers' security group that admits the NLBs on 9098 (the rule this configuration adds, or the one cluster_security_group_rule_command adds)."
  value       = module.privatelink.cluster_security_group_id
}

output "cluster_security_group_rule_command" {
  description = "With manage_cluster_security_group_rule = false: the AWS CLI command that adds the rule the brokers' security group needs (9098 from the NLB security group); null when this configuration manages the rule."
  value       = module.privatelink.cluster_security_group_rule_command
}

output "kafka_version" {
  description = "Kafka version of the cluster, as MSK reports it."
  value       = module.privatelink.kafka_version
}

output "nlb_security_group_id" {
  description = "Security group of the per-broker NLBs."
  value       = module.privatelink.nlb_security_group_id
}

output "databricks_msk_role_arn" {
  description = "ARN of the IAM role for the Databricks Unity Catalog service credential."
  value       = module.privatelink.databricks_msk_role_arn
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
  description = "One object per broker, sorted by broker id: the broker as Kafka advertises it and the NLB and endpoint service that front it. Create one Databricks NCC private endpoint rule per element (endpoint_service_name, domain name = hostname)."
  value       = module.privatelink.brokers
}

output "databricks" {
  description = "The Databricks side when enable_databricks is true (credential_name, external_id, network_connectivity_config_id, rules with each broker's rule_id, vpc_endpoint_id and connection_state); null otherwise."
  value = var.enable_databricks ? {
    credential_name                = module.databricks[0].credential_name
    external_id                    = module.databricks[0].external_id
    network_connectivity_config_id = module.databricks[0].network_connectivity_config_id
    rules                          = module.databricks[0].rules
  } : null
}

output "verify_canary" {
  description = "The verify canary when enable_verify_canary is true (function_name and event to invoke it, role_arn, endpoints with their exact IDs, metric_namespace, alarm_arns, sns_topic_arn); null otherwise."
  value = var.enable_verify_canary ? {
    function_name    = module.verify_canary[0].function_name
    event            = module.verify_canary[0].event
    role_arn         = module.verify_canary[0].role_arn
    endpoints        = module.verify_canary[0].endpoints
    metric_namespace = module.verify_canary[0].metric_namespace
    alarm_arns       = module.verify_canary[0].alarm_arns
    sns_topic_arn    = module.verify_canary[0].sns_topic_arn
  } : null
}

output "databricks_uc_master_role_arn" {
  description = "The Unity Catalog master role the MSK role trusts: the credential's own unity_catalog_iam_arn when enable_databricks, else the AWS-commercial default."
  value       = module.privatelink.databricks_uc_master_role_arn
}

output "broker_healer" {
  description = "The broker-path healer when enable_broker_healer is true (function_name, role_arn, metric_namespace, alarm_arns, sns_topic_arn); null otherwise."
  value       = module.privatelink.healer
}

output "credential_name" {
  description = "Name of the Unity Catalog service credential (Spark option databricks.serviceCredential)."
  value       = databricks_credential.msk.name
}

output "external_id" {
  description = "External ID Databricks presents when assuming the MSK role; the role's trust policy must require it."
  value       = databricks_credential.msk.aws_iam_role[0].external_id
}

output "network_connectivity_config_id" {
  description = "ID of the NCC holding the rules."
  value       = local.ncc_id
}

output "rules" {
  description = "Per broker: the private endpoint rule (its endpoint_service and domain_names as Databricks holds them), Databricks' VPC endpoint and its connection state (ESTABLISHED once accepted)."
  value = [for b in var.brokers : {
    broker_id        = b.broker_id
    hostname         = b.hostname
    rule_id          = databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].rule_id
    endpoint_service = databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].endpoint_service
    domain_names     = databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].domain_names
    vpc_endpoint_id  = databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].vpc_endpoint_id
    connection_state = databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].connection_state
  }]
}

output "unity_catalog_iam_arn" {
  description = "The Databricks Unity Catalog master role that assumes the MSK role (the credential's own aws_iam_role.unity_catalog_iam_arn: authoritative, GovCloud included)."
  value       = databricks_credential.msk.aws_iam_role[0].unity_catalog_iam_arn
}

locals {
  # Databricks serverless reaches endpoint services as this regional principal.
  allowed_principals = coalesce(var.allowed_principals, ["arn:aws:iam::565502421330:role/private-connectivity-role-${var.region}"])
}

module "msk_vpce" {
  source = "../../modules/msk-vpce"

  prefix                 = var.prefix
  cidr_block             = var.cidr_block
  allowed_principals     = local.service_allowed_principals
  databricks_external_id = var.enable_databricks ? module.databricks[0].external_id : var.databricks_external_id
  # The credential names the UC master role that assumes ours; without the
  # Databricks half the module's default (AWS commercial) applies.
  databricks_uc_master_role_arn = var.enable_databricks ? module.databricks[0].unity_catalog_iam_arn : null
  additional_trusted_role_arns  = local.trusted_role_arns
  allow_create_topic            = var.allow_create_topic
  operator_cidrs                = var.operator_cidrs
  broker_count                  = var.broker_count
  broker_ids                    = var.broker_ids
  kafka_version                 = var.kafka_version
  nlb_zones                     = var.nlb_zones
  supported_regions             = var.supported_regions
  instance_type                 = var.instance_type
  ebs_volume_size               = var.ebs_volume_size
  storage_autoscaling_max_gib   = var.storage_autoscaling_max_gib
  auto_create_topics            = var.auto_create_topics
  log_retention_days            = var.log_retention_days
  healer_lambda_zip_path        = var.enable_broker_healer ? var.broker_healer_lambda_zip_path : null
  healer_sns_topic_enabled      = var.broker_healer_sns_topic_enabled
}

# The Databricks half, in the same apply (enable_databricks = true).
module "databricks" {
  source = "../../modules/databricks-serverless-msk"
  count  = var.enable_databricks ? 1 : 0

  providers = {
    aws                  = aws
    databricks.account   = databricks.account
    databricks.workspace = databricks.workspace
  }

  prefix                         = var.prefix
  region                         = var.region
  role_arn                       = module.msk_vpce.databricks_msk_role_arn_for_credential
  brokers                        = module.msk_vpce.brokers
  workspace_id                   = var.databricks_workspace_id
  network_connectivity_config_id = var.databricks_ncc_id
  bind_new_ncc_to_workspace      = var.databricks_bind_new_ncc_to_workspace
  credential_access_principals   = var.databricks_credential_access_principals
  accept_connections             = var.databricks_accept_connections
}

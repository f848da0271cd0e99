locals {
  # Databricks serverless reaches endpoint services as this regional principal.
  allowed_principals = coalesce(var.allowed_principals, ["arn:aws:iam::565502421330:role/private-connectivity-role-${var.region}"])
}

# The per-broker PrivateLink layer in front of a cluster that already
# exists: it reads the cluster (its brokers, their addresses, subnets, VPC
# and security groups) and never creates or changes it, beyond the one rule
# that lets the NLBs into the brokers' security group (or, with
# manage_cluster_security_group_rule = false, a check naming that rule).
module "privatelink" {
  source = "../../modules/msk-privatelink"

  prefix                             = var.prefix
  cluster_arn                        = var.cluster_arn
  cluster_security_group_id          = var.cluster_security_group_id
  manage_cluster_security_group_rule = var.manage_cluster_security_group_rule
  allowed_principals                 = local.service_allowed_principals
  databricks_external_id             = var.enable_databricks ? module.databricks[0].external_id : var.databricks_external_id
  # The credential names the UC master role that assumes ours; without the
  # Databricks half the module's default (AWS commercial) applies.
  databricks_uc_master_role_arn = var.enable_databricks ? module.databricks[0].unity_catalog_iam_arn : null
  additional_trusted_role_arns  = local.trusted_role_arns
  allow_create_topic            = var.allow_create_topic
  topic_name_prefix             = var.topic_name_prefix
  group_name_prefix             = var.group_name_prefix
  operator_cidrs                = var.operator_cidrs
  nlb_zones                     = var.nlb_zones
  supported_regions             = var.supported_regions
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
  role_arn                       = module.privatelink.databricks_msk_role_arn_for_credential
  brokers                        = module.privatelink.brokers
  workspace_id                   = var.databricks_workspace_id
  network_connectivity_config_id = var.databricks_ncc_id
  bind_new_ncc_to_workspace      = var.databricks_bind_new_ncc_to_workspace
  credential_access_principals   = var.databricks_credential_access_principals
  accept_connections             = var.databricks_accept_connections
}

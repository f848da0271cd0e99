module "msk_vpce" {
  source = "../../modules/msk-vpce"

  prefix                 = var.prefix
  cidr_block             = var.cidr_block
  allowed_principals     = var.allowed_principals
  databricks_external_id = var.databricks_external_id
  operator_cidrs         = var.operator_cidrs
  broker_count           = var.broker_count
  instance_type          = var.instance_type
  ebs_volume_size        = var.ebs_volume_size
  log_retention_days     = var.log_retention_days
}

# Optional consumer-side verify canary (enable_verify_canary): verifies the
# deployment from where Databricks stands, through the real endpoint
# services, on demand and on a schedule with per-path alarms. See
# terraform/modules/verify-canary/README.md (cost: about $0.06 per hour).
# Its variables (enable_verify_canary, verify_canary_*) are in variables.tf,
# its output (verify_canary) in outputs.tf.

data "aws_caller_identity" "canary" {
  count = var.enable_verify_canary ? 1 : 0
}

data "aws_partition" "canary" {
  count = var.enable_verify_canary ? 1 : 0
}

# Same account as the cluster, so AZ names map to the brokers' zone IDs.
data "aws_availability_zones" "canary" {
  count = var.enable_verify_canary ? 1 : 0

  all_availability_zones = true
}

locals {
  # What main.tf passes to the module: Databricks' principals, plus this
  # account while the canary exists (once: the module refuses duplicates,
  # and an operator may already allow the account).
  service_allowed_principals = distinct(concat(
    local.allowed_principals,
    var.enable_verify_canary ? ["arn:${data.aws_partition.canary[0].partition}:iam::${data.aws_caller_identity.canary[0].account_id}:root"] : [],
  ))
  trusted_role_arns = concat(
    var.additional_trusted_role_arns,
    var.enable_verify_canary ? [module.verify_canary[0].role_arn] : [],
  )
  # The external ID the role's trust policy carries (as in main.tf).
  canary_external_id = var.enable_databricks ? module.databricks[0].external_id : var.databricks_external_id
  canary_az_ids      = var.enable_verify_canary ? zipmap(data.aws_availability_zones.canary[0].names, data.aws_availability_zones.canary[0].zone_ids) : {}
}

module "verify_canary" {
  source = "../../modules/verify-canary"
  count  = var.enable_verify_canary ? 1 : 0

  prefix = var.prefix
  brokers = [for b in module.privatelink.brokers : {
    broker_id             = b.broker_id
    hostname              = b.hostname
    domain_names          = b.domain_names
    endpoint_service_id   = b.endpoint_service_id
    endpoint_service_name = b.endpoint_service_name
    zone_id               = local.canary_az_ids[b.availability_zone]
  }]
  zone_ids          = module.privatelink.zone_ids
  bootstrap_brokers = module.privatelink.bootstrap_brokers_sasl_iam
  msk_role_arn      = module.privatelink.databricks_msk_role_arn
  external_id       = local.canary_external_id
  lambda_zip_path   = var.verify_canary_lambda_zip_path

  accept_connections    = true
  schedule_enabled      = var.verify_canary_schedule_enabled
  schedule_rate_minutes = var.verify_canary_schedule_rate_minutes
  sns_topic_enabled     = var.verify_canary_sns_topic_enabled
}

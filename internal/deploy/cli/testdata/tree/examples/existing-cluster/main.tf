# A provider-free stand-in for terraform/examples/existing-cluster: the same inputs
# and the same outputs (internal/tfoutputs contract), built from
# terraform_data so apply, output and destroy run offline.
module "msk_vpce" {
  source = "../../modules/fake"

  region                 = var.region
  prefix                 = var.prefix
  allowed_principals     = var.allowed_principals
  databricks_external_id = var.databricks_external_id
  sleep_seconds          = var.sleep_seconds

  enable_databricks           = var.enable_databricks
  databricks_workspace_host   = var.databricks_workspace_host
  databricks_ncc_id           = var.databricks_ncc_id
  databricks_connection_state = var.databricks_connection_state

  enable_verify_canary          = var.enable_verify_canary
  verify_canary_lambda_zip_path = var.verify_canary_lambda_zip_path
  replace_token                 = var.replace_token
}

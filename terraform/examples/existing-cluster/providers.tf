provider "aws" {
  region  = var.region
  profile = var.aws_profile

  default_tags {
    tags = merge(var.extra_tags, {
      Owner     = var.user_name
      Service   = var.service_name
      ManagedBy = "mskvpce"
    })
  }
}

# The Databricks side (enable_databricks = true). Credentials come from the
# provider's usual sources: DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET of
# an account-admin service principal that is also a workspace admin, or a
# ~/.databrickscfg profile. Unused (and never configured) when disabled.
provider "databricks" {
  alias      = "account"
  host       = var.databricks_account_host
  account_id = var.databricks_account_id
}

provider "databricks" {
  alias = "workspace"
  host  = var.databricks_workspace_host
}

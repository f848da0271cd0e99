terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.84.0"
      # NCCs and their rules live at the account level; service credentials
      # in a workspace's Unity Catalog.
      configuration_aliases = [databricks.account, databricks.workspace]
    }
  }
}

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    # Used only with enable_databricks = true.
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.84.0"
    }
  }
}

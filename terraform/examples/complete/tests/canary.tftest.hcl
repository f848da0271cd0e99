# enable_verify_canary: off by default and then invisible; on, the endpoint
# services also allow this account, the Databricks role trusts the canary,
# and the canary's connections are accepted by their exact endpoint IDs.

mock_provider "aws" {
  source = "./tests/mocks/aws"

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }

  mock_resource "aws_iam_role" {
    override_during = plan
    defaults = {
      arn = "arn:aws:iam::123456789012:role/my-msk-vpce-verify-canary"
    }
  }
}

mock_provider "databricks" {
  alias           = "account"
  override_during = plan
  source          = "./tests/mocks/databricks-account"
}

mock_provider "databricks" {
  alias           = "workspace"
  override_during = plan

  mock_resource "databricks_credential" {
    defaults = {
      aws_iam_role = {
        external_id           = "ext-from-databricks"
        unity_catalog_iam_arn = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
      }
    }
  }
}

variables {
  region             = "us-east-1"
  cidr_block         = "172.18.0.0/16"
  prefix             = "my-msk-vpce"
  user_name          = "your.name@company.com"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"]
}

run "canary_off_by_default" {
  command = plan

  assert {
    condition     = length(module.verify_canary) == 0 && output.verify_canary == null
    error_message = "no canary unless enable_verify_canary"
  }

  assert {
    condition     = output.allowed_principals == var.allowed_principals
    error_message = "without the canary the endpoint services allow Databricks' principals only"
  }

  assert {
    condition     = length(local.trusted_role_arns) == 0
    error_message = "without the canary the Databricks role trusts no further role"
  }
}

run "canary_enabled" {
  command = plan

  variables {
    enable_verify_canary          = true
    verify_canary_lambda_zip_path = "../../modules/verify-canary/tests/testdata/bootstrap.zip"
  }

  assert {
    condition     = output.allowed_principals == tolist(["arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1", "arn:aws:iam::123456789012:root"])
    error_message = "while the canary is enabled the endpoint services also allow the operator's own account"
  }

  assert {
    condition     = local.trusted_role_arns == tolist(["arn:aws:iam::123456789012:role/my-msk-vpce-verify-canary"]) && module.verify_canary[0].role_arn == local.trusted_role_arns[0]
    error_message = "the Databricks role must trust the canary's role"
  }

  assert {
    condition     = length(module.verify_canary[0].endpoints) == 3 && module.verify_canary[0].zone_ids == tolist(["use1-az1", "use1-az2", "use1-az4"])
    error_message = "one canary endpoint per broker, subnets in the MSK subnets' zone IDs"
  }

  assert {
    condition     = output.verify_canary.metric_namespace == "mskvpce/VerifyCanary" && length(output.verify_canary.alarm_arns) == 0
    error_message = "no schedule and no alarms unless verify_canary_schedule_enabled"
  }
}

run "canary_scheduled" {
  command = plan

  variables {
    enable_verify_canary                = true
    verify_canary_lambda_zip_path       = "../../modules/verify-canary/tests/testdata/bootstrap.zip"
    verify_canary_schedule_enabled      = true
    verify_canary_schedule_rate_minutes = 10
    verify_canary_sns_topic_enabled     = true
  }

  assert {
    condition     = length(output.verify_canary.alarm_arns) == 3
    error_message = "one alarm per broker path with the schedule"
  }
}

# Canary and Databricks side in one apply: the canary assumes the role with
# the credential's external ID, beside the NCC rules on the same services.
run "canary_with_databricks" {
  command = plan

  variables {
    enable_verify_canary          = true
    verify_canary_lambda_zip_path = "../../modules/verify-canary/tests/testdata/bootstrap.zip"
    enable_databricks             = true
    databricks_account_id         = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host     = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
  }

  assert {
    condition     = local.canary_external_id == "ext-from-databricks" && length(output.databricks.rules) == 3 && length(output.verify_canary.endpoints) == 3
    error_message = "the canary must use the Databricks credential's external ID, beside one NCC rule per broker"
  }
}

# An operator who already allows their own account: the canary adds it once
# (msk-vpce refuses duplicate principals).
run "canary_account_already_allowed" {
  command = plan

  variables {
    enable_verify_canary          = true
    verify_canary_lambda_zip_path = "../../modules/verify-canary/tests/testdata/bootstrap.zip"
    allowed_principals            = ["arn:aws:iam::123456789012:root"]
  }

  assert {
    condition     = output.allowed_principals == tolist(["arn:aws:iam::123456789012:root"])
    error_message = "the operator's account must be allowed exactly once"
  }
}

run "rejects_canary_without_zip" {
  command = plan

  variables {
    enable_verify_canary = true
  }

  expect_failures = [var.verify_canary_lambda_zip_path]
}

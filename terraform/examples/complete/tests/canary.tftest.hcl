# enable_verify_canary: off by default and then invisible; on, the endpoint
# services also allow this account, the Databricks role trusts the canary,
# and the canary's connections are accepted by their exact endpoint IDs.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c"]
      zone_ids = ["use1-az1", "use1-az2", "use1-az4"]
    }
  }

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
  alias = "account"
}

mock_provider "databricks" {
  alias = "workspace"
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
    condition     = output.verify_canary.metric_namespace == "mskvpce/VerifyCanary" && length(output.verify_canary.alarm_arns) == 3
    error_message = "the schedule and one alarm per path are on by default with the canary"
  }
}

run "rejects_canary_without_zip" {
  command = plan

  variables {
    enable_verify_canary = true
  }

  expect_failures = [var.verify_canary_lambda_zip_path]
}

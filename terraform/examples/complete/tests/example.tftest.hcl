# The root configuration: seed variables validated, module wired, outputs
# re-exported. Planned against a mock of the real AWS provider schema. Bad
# values of deploy's inputs: bad_inputs.tftest.hcl, generated from
# internal/deploy/cli/testdata/bad_inputs.json.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

# The Databricks side, mocked: NCC, rules and the service credential whose
# external ID must reach the role's trust policy in the same apply.
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
        unity_catalog_iam_arn = "arn:aws-us-gov:iam::044793339203:role/unity-catalog-prod-UCMasterRole-1QRFA8SGY15OJ"
      }
    }
  }
}

variables {
  region             = "us-east-1"
  cidr_block         = "172.18.0.0/16"
  prefix             = "my-msk-vpce"
  user_name          = "your.name@company.com"
  service_name       = "MSK Endpoint Service"
  allowed_principals = ["arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1"]
  aws_profile        = "default"
}

run "seed_values_plan" {
  command = plan

  assert {
    condition     = output.allowed_principals == var.allowed_principals
    error_message = "allowed_principals must flow through to the module and back out"
  }

  assert {
    condition     = output.external_id_is_placeholder == true
    error_message = "the seed's placeholder external ID must be reported as such"
  }
}

run "nlb_zones_all_reaches_the_module" {
  command = plan
  variables {
    nlb_zones = "all"
  }

  assert {
    condition     = alltrue([for b in module.msk_vpce.brokers : b.nlb_cross_zone == true])
    error_message = "nlb_zones must reach the msk-vpce module (cross-zone on for every broker's NLB)"
  }
}

run "rejects_nlb_zones_unknown" {
  command = plan
  variables {
    nlb_zones = "two"
  }
  expect_failures = [var.nlb_zones]
}

run "rejects_ebs_volume_size_bad" {
  command = plan
  variables {
    ebs_volume_size = 0
  }
  expect_failures = [var.ebs_volume_size]
}

run "rejects_log_retention_bad" {
  command = plan
  variables {
    log_retention_days = 2
  }
  expect_failures = [var.log_retention_days]
}

run "databricks_off_by_default" {
  command = plan

  assert {
    condition     = output.databricks == null
    error_message = "the AWS-only path must not build the Databricks side"
  }

  assert {
    condition     = output.databricks_uc_master_role_arn == "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
    error_message = "without the Databricks half the trust names the documented AWS-commercial UC master role"
  }
}

run "databricks_in_one_apply" {
  command = plan

  variables {
    enable_databricks         = true
    databricks_account_id     = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
    databricks_workspace_id   = 1234567890123456

    databricks_bind_new_ncc_to_workspace    = true
    databricks_credential_access_principals = ["data-engineers"]
  }

  assert {
    condition     = length(output.databricks.rules) == 3
    error_message = "one NCC private endpoint rule per broker, known at plan before the cluster exists"
  }

  assert {
    condition     = output.databricks.external_id == "ext-from-databricks" && output.external_id_is_placeholder == false
    error_message = "the credential's external ID must replace the placeholder in the role's trust policy"
  }

  assert {
    condition     = output.databricks_uc_master_role_arn == "arn:aws-us-gov:iam::044793339203:role/unity-catalog-prod-UCMasterRole-1QRFA8SGY15OJ"
    error_message = "with the Databricks half on, the trust must name the credential's own unity_catalog_iam_arn"
  }

  assert {
    condition     = output.databricks.credential_name == "my-msk-vpce-msk" && output.databricks.network_connectivity_config_id == "11111111-2222-3333-4444-555555555555"
    error_message = "credential and NCC must be reported"
  }
}

# deploy's first apply: the rules without the accepters, which deploy
# replaces by accepting the endpoints' exact IDs once Databricks made them
# (the module's own test "no_accepter_when_disabled" proves accept_connections = false
# plans no accepter; a root test cannot see into the module).
run "databricks_accept_connections_off" {
  command = plan

  variables {
    enable_databricks             = true
    databricks_account_id         = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host     = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
    databricks_accept_connections = false
  }

  assert {
    condition     = length(output.databricks.rules) == 3
    error_message = "databricks_accept_connections = false must still plan every rule"
  }
}

run "databricks_principal_by_default" {
  command = plan

  variables {
    allowed_principals = null
  }

  assert {
    condition     = output.allowed_principals == tolist(["arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"])
    error_message = "endpoint services must allow Databricks serverless in the region by default"
  }
}

# Exactly the attributes of terraform.tfvars.example (TestTfvarsExampleRun in
# terraform/ keeps them equal); every other file-level variable back to its
# default. Copied unedited, the example must still let Databricks connect.
run "tfvars_example_plans_with_databricks_principal" {
  command = plan

  variables {
    region                 = "us-east-1"
    cidr_block             = "172.18.0.0/16"
    prefix                 = "my-msk-vpce"
    user_name              = "your.name@company.com"
    service_name           = "MSK Endpoint Service"
    aws_profile            = "your-aws-profile"
    databricks_external_id = "0000"
    allowed_principals     = null
  }

  assert {
    condition     = output.allowed_principals == tolist(["arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"])
    error_message = "terraform.tfvars.example must leave allowed_principals to the Databricks serverless principal of the region"
  }
}

run "rejects_binding_a_new_ncc_implicitly" {
  command = plan

  variables {
    enable_databricks         = true
    databricks_account_id     = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
    databricks_workspace_id   = 1234567890123456
  }

  expect_failures = [var.databricks_bind_new_ncc_to_workspace]
}

run "rejects_databricks_without_account_id" {
  command = plan
  variables {
    enable_databricks         = true
    databricks_workspace_host = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
  }
  expect_failures = [var.databricks_account_id]
}

run "rejects_databricks_without_workspace_host" {
  command = plan
  variables {
    enable_databricks     = true
    databricks_account_id = "0d26daa6-5e44-4c97-a497-ef015f91254a"
  }
  expect_failures = [var.databricks_workspace_host]
}

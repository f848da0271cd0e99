# Every variable validation of the layer rejects what it must.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

variables {
  prefix             = "orders"
  cluster_arn        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "rejects_bad_values_1" {
  command = plan
  variables {
    cluster_arn                  = "arn:aws:kafka:eu-west-1:123456789012:serverless/orders/0b1c"
    prefix                       = "internal-orders"
    broker_ids                   = [1, 1]
    nlb_zones                    = "every"
    operator_cidrs               = ["0.0.0.0/0"]
    allowed_principals           = ["*"]
    tcp_idle_timeout_seconds     = 30
    databricks_external_id       = "a"
    additional_trusted_role_arns = ["arn:aws:iam::123456789012:role/*"]
  }
  expect_failures = [var.cluster_arn, var.prefix, var.broker_ids, var.nlb_zones, var.operator_cidrs, var.allowed_principals, var.tcp_idle_timeout_seconds, var.databricks_external_id, var.additional_trusted_role_arns]
}

run "rejects_bad_values_2" {
  command = plan
  variables {
    cluster_arn                   = "orders"
    prefix                        = "Orders"
    broker_ids                    = [0]
    supported_regions             = ["Mars"]
    operator_cidrs                = ["not-a-cidr"]
    allowed_principals            = ["arn:aws:iam::565502421330:role/x", "arn:aws:iam::565502421330:role/x"]
    databricks_uc_master_role_arn = "arn:aws:iam::414351767826:user/someone"
  }
  expect_failures = [var.cluster_arn, var.prefix, var.broker_ids, var.supported_regions, var.operator_cidrs, var.allowed_principals, var.databricks_uc_master_role_arn]
}

# Cross-region consumers need an NLB in at least two zones.
run "rejects_cross_region_without_all_zones" {
  command = plan
  variables {
    supported_regions = ["eu-central-1"]
  }
  expect_failures = [var.supported_regions]
}

# Every variable validation rejects what it must (one run each); the values
# of the variables deploy also checks are in bad_inputs.tftest.hcl, generated
# from internal/deploy/cli/testdata/bad_inputs.json.
# The mock is not told to compute values during plan, so the broker list is
# unknown, as on a real first apply: this also proves the per-broker count
# does not depend on it.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

variables {
  prefix             = "test"
  cidr_block         = "10.42.0.0/16"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "valid_inputs_plan" {
  command = plan

  # Only the VPC id is known (the target group names hash it).
  override_resource {
    target          = aws_vpc.this
    override_during = plan
    values          = { id = "vpc-0123456789abcdef0" }
  }

  variables {
    prefix                 = "abcdefghijklmnopqrstuvwx"
    broker_count           = 30
    operator_cidrs         = ["10.42.200.0/24", "fd00:1::/64"]
    log_retention_days     = 3653
    databricks_external_id = "0000"
  }

  assert {
    condition     = length(aws_lb.broker) == 30 && alltrue([for lb in aws_lb.broker : length(lb.name) <= 32]) && alltrue([for tg in aws_lb_target_group.broker : length(tg.name_prefix) <= 6 && can(regex("^[a-z0-9][a-z0-9-]*-$", tg.name_prefix))]) && length(distinct(aws_lb_target_group.broker[*].name_prefix)) == 30
    error_message = "the longest valid prefix with the most brokers must still fit AWS's 32-character names (target groups: a distinct name_prefix of at most 6 characters, which the provider's 26-character suffix fills to 32)"
  }

  assert {
    condition     = length(output.brokers) == 30
    error_message = "the brokers output must have a known length before the cluster exists, so callers can count over it"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.nlb_from_operator["fd00:1::/64"].cidr_ipv6 == "fd00:1::/64" && aws_vpc_security_group_ingress_rule.nlb_from_operator["fd00:1::/64"].cidr_ipv4 == null
    error_message = "IPv6 operator CIDRs must become cidr_ipv6 rules"
  }
}

run "rejects_excluded_az_not_an_id" {
  command = plan
  variables {
    excluded_availability_zone_ids = ["us-east-1e"]
  }
  expect_failures = [var.excluded_availability_zone_ids]
}

run "rejects_nlb_zones_unknown" {
  command = plan
  variables {
    nlb_zones = "every"
  }
  expect_failures = [var.nlb_zones]
}

run "rejects_kafka_version_invalid" {
  command = plan
  variables {
    kafka_version = "latest"
  }
  expect_failures = [var.kafka_version]
}

run "rejects_ebs_volume_size_zero" {
  command = plan
  variables {
    ebs_volume_size = 0
  }
  expect_failures = [var.ebs_volume_size]
}

run "rejects_ebs_volume_size_too_big" {
  command = plan
  variables {
    ebs_volume_size = 16385
  }
  expect_failures = [var.ebs_volume_size]
}

run "rejects_kms_key_not_an_arn" {
  command = plan
  variables {
    encryption_at_rest_kms_key_arn = "alias/msk"
  }
  expect_failures = [var.encryption_at_rest_kms_key_arn]
}

run "rejects_log_retention_not_allowed" {
  command = plan
  variables {
    log_retention_days = 31
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_log_kms_key_not_an_arn" {
  command = plan
  variables {
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/logs"
  }
  expect_failures = [var.log_kms_key_arn]
}

run "rejects_uc_master_role_not_a_role" {
  command = plan
  variables {
    databricks_uc_master_role_arn = "arn:aws:iam::414351767826:user/someone"
  }
  expect_failures = [var.databricks_uc_master_role_arn]
}

run "rejects_uc_master_role_wildcard" {
  command = plan
  variables {
    databricks_uc_master_role_arn = "arn:aws:iam::414351767826:role/*"
  }
  expect_failures = [var.databricks_uc_master_role_arn]
}

run "rejects_additional_trusted_role_wildcard" {
  command = plan
  variables {
    additional_trusted_role_arns = ["arn:aws:iam::123456789012:role/*"]
  }
  expect_failures = [var.additional_trusted_role_arns]
}

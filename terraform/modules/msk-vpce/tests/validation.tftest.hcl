# Every variable validation rejects what it must (one run each).
# The mock is not told to compute values during plan, so the broker list is
# unknown, as on a real first apply: this also proves the per-broker count
# does not depend on it.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
      zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"]
    }
  }
}

variables {
  prefix             = "test"
  cidr_block         = "10.42.0.0/16"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

run "valid_inputs_plan" {
  command = plan

  variables {
    prefix                 = "abcdefghijklmnopqrstuvwx"
    broker_count           = 30
    operator_cidrs         = ["10.42.200.0/24", "fd00:1::/64"]
    log_retention_days     = 3653
    databricks_external_id = "0000"
  }

  assert {
    condition     = length(aws_lb.broker) == 30 && alltrue([for lb in aws_lb.broker : length(lb.name) <= 32]) && alltrue([for tg in aws_lb_target_group.broker : length(tg.name) <= 32])
    error_message = "the longest valid prefix with the most brokers must still fit AWS's 32-character names"
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

run "rejects_prefix_too_long" {
  command = plan
  variables {
    prefix = "abcdefghijklmnopqrstuvwxy"
  }
  expect_failures = [var.prefix]
}

run "rejects_prefix_uppercase" {
  command = plan
  variables {
    prefix = "Prod-msk"
  }
  expect_failures = [var.prefix]
}

run "rejects_prefix_starts_with_digit" {
  command = plan
  variables {
    prefix = "1msk"
  }
  expect_failures = [var.prefix]
}

run "rejects_prefix_trailing_hyphen" {
  command = plan
  variables {
    prefix = "msk-"
  }
  expect_failures = [var.prefix]
}

run "rejects_prefix_internal" {
  command = plan
  variables {
    prefix = "internal-msk"
  }
  expect_failures = [var.prefix]
}

run "rejects_prefix_double_hyphen" {
  command = plan
  variables {
    prefix = "msk--vpce"
  }
  expect_failures = [var.prefix]
}

run "rejects_cidr_not_a_cidr" {
  command = plan
  variables {
    cidr_block = "10.0.0.0"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_cidr_ipv6" {
  command = plan
  variables {
    cidr_block = "fd00::/56"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_cidr_too_large" {
  command = plan
  variables {
    cidr_block = "10.0.0.0/8"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_cidr_too_small" {
  command = plan
  variables {
    cidr_block = "10.0.0.0/26"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_cidr_not_network_address" {
  command = plan
  variables {
    cidr_block = "10.0.1.0/16"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_excluded_az_not_an_id" {
  command = plan
  variables {
    excluded_availability_zone_ids = ["us-east-1e"]
  }
  expect_failures = [var.excluded_availability_zone_ids]
}

run "rejects_operator_cidr_invalid" {
  command = plan
  variables {
    operator_cidrs = ["10.0.0.300/24"]
  }
  expect_failures = [var.operator_cidrs]
}

run "rejects_operator_cidr_world_v4" {
  command = plan
  variables {
    operator_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.operator_cidrs]
}

run "rejects_operator_cidr_world_v6" {
  command = plan
  variables {
    operator_cidrs = ["::/0"]
  }
  expect_failures = [var.operator_cidrs]
}

run "rejects_kafka_version_invalid" {
  command = plan
  variables {
    kafka_version = "latest"
  }
  expect_failures = [var.kafka_version]
}

run "rejects_broker_count_not_multiple_of_3" {
  command = plan
  variables {
    broker_count = 4
  }
  expect_failures = [var.broker_count]
}

run "rejects_broker_count_too_many" {
  command = plan
  variables {
    broker_count = 33
  }
  expect_failures = [var.broker_count]
}

run "rejects_broker_count_zero" {
  command = plan
  variables {
    broker_count = 0
  }
  expect_failures = [var.broker_count]
}

run "rejects_instance_type_invalid" {
  command = plan
  variables {
    instance_type = "m5.large"
  }
  expect_failures = [var.instance_type]
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

run "rejects_allowed_principal_wildcard" {
  command = plan
  variables {
    allowed_principals = ["*"]
  }
  expect_failures = [var.allowed_principals]
}

run "rejects_allowed_principal_wildcard_in_arn" {
  command = plan
  variables {
    allowed_principals = ["arn:aws:iam::123456789012:role/*"]
  }
  expect_failures = [var.allowed_principals]
}

run "rejects_allowed_principal_not_an_arn" {
  command = plan
  variables {
    allowed_principals = ["123456789012"]
  }
  expect_failures = [var.allowed_principals]
}

run "rejects_allowed_principal_duplicate" {
  command = plan
  variables {
    allowed_principals = ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"]
  }
  expect_failures = [var.allowed_principals]
}

run "rejects_external_id_too_short" {
  command = plan
  variables {
    databricks_external_id = "0"
  }
  expect_failures = [var.databricks_external_id]
}

run "rejects_external_id_bad_chars" {
  command = plan
  variables {
    databricks_external_id = "has space"
  }
  expect_failures = [var.databricks_external_id]
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

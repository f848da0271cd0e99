# Every variable validation rejects what it must (one run each); the values
# of the variables deploy also checks are in bad_inputs.tftest.hcl, generated
# from internal/deploy/cli/testdata/bad_inputs.json.
# The mock is not told to compute values during plan, so the cluster's ARN
# and with it every broker's address is unknown, as on a real first apply:
# this also proves the per-broker keys do not depend on them.

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
    condition     = length(output.brokers) == 30 && [for b in output.brokers : b.broker_id] == [for id in range(1, 31) : id]
    error_message = "a new cluster's brokers must be keyed 1..30 before it exists: the brokers output needs a known length and known broker ids, so callers can key by them"
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

run "rejects_broker_ids_more_than_broker_count" {
  command = plan
  variables {
    broker_count = 3
    broker_ids   = [1, 2, 3, 4]
  }
  expect_failures = [var.broker_ids]
}

run "rejects_broker_ids_repeated_or_not_ids" {
  command = plan
  variables {
    broker_ids = [1, 1, 0.5]
  }
  expect_failures = [var.broker_ids]
}

run "rejects_storage_autoscaling_below_volume" {
  command = plan
  variables {
    ebs_volume_size             = 1000
    storage_autoscaling_max_gib = 1000
  }
  expect_failures = [var.storage_autoscaling_max_gib]
}

run "rejects_storage_autoscaling_above_msk_maximum" {
  command = plan
  variables {
    storage_autoscaling_max_gib = 16385
  }
  expect_failures = [var.storage_autoscaling_max_gib]
}

run "rejects_storage_utilization_out_of_range" {
  command = plan
  variables {
    storage_autoscaling_target_utilization = 95
  }
  expect_failures = [var.storage_autoscaling_target_utilization]
}

run "rejects_cross_region_without_all_zones" {
  command = plan
  variables {
    supported_regions = ["eu-west-1"]
  }
  expect_failures = [var.supported_regions]
}

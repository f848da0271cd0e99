# Every validation refuses its bad value.

mock_provider "aws" {}

variables {
  prefix      = "my-msk-vpce"
  cluster_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
  brokers = {
    "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    "2" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m2-20260102030405000000000002/0123456789abcdee", hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
  }
  lambda_zip_path = "tests/testdata/bootstrap.zip"
}

run "bad_prefix" {
  command = plan
  variables { prefix = "My_Prefix" }
  expect_failures = [var.prefix]
}

run "bad_cluster_arn" {
  command = plan
  variables { cluster_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo" }
  expect_failures = [var.cluster_arn]
}

run "no_brokers" {
  command = plan
  variables { brokers = {} }
  expect_failures = [var.brokers]
}

run "broker_id_with_a_leading_zero" {
  command = plan
  variables {
    brokers = {
      "01" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "broker_key_not_an_id" {
  command = plan
  variables {
    brokers = {
      "b-1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "load_balancer_arn_instead_of_target_group" {
  command = plan
  variables {
    brokers = {
      "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/my-nlb-1/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "target_groups_in_two_accounts" {
  command = plan
  variables {
    brokers = {
      "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
      "2" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:210987654321:targetgroup/my-m2-20260102030405000000000002/0123456789abcdee", hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "two_brokers_one_target_group" {
  command = plan
  variables {
    brokers = {
      "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
      "2" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "hostnames_in_two_domains" {
  command = plan
  variables {
    brokers = {
      "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
      "2" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m2-20260102030405000000000002/0123456789abcdee", hostname = "b-2.other.xyz789.c2.kafka.us-east-1.amazonaws.com" }
    }
  }
  expect_failures = [var.brokers]
}

run "hostname_with_port" {
  command = plan
  variables {
    brokers = {
      "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098" }
    }
  }
  expect_failures = [var.brokers]
}

run "zip_missing" {
  command = plan
  variables { lambda_zip_path = "tests/testdata/no-such.zip" }
  expect_failures = [var.lambda_zip_path]
}

run "zero_minutes" {
  command = plan
  variables { schedule_rate_minutes = 0 }
  expect_failures = [var.schedule_rate_minutes]
}

run "wait_beyond_lambdas_limit" {
  command = plan
  variables { healthy_timeout_seconds = 900 }
  expect_failures = [var.healthy_timeout_seconds]
}

run "zero_refusal_periods" {
  command = plan
  variables { refusal_evaluation_periods = 0 }
  expect_failures = [var.refusal_evaluation_periods]
}

run "kms_alias_for_the_topic" {
  command = plan
  variables { sns_kms_key_arn = "alias/aws/sns" }
  expect_failures = [var.sns_kms_key_arn]
}

run "alarm_action_not_an_arn" {
  command = plan
  variables { alarm_actions = ["oncall@example.com"] }
  expect_failures = [var.alarm_actions]
}

run "retention_cloudwatch_refuses" {
  command = plan
  variables { log_retention_days = 2 }
  expect_failures = [var.log_retention_days]
}

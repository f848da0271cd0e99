# Every validation refuses its bad value.

mock_provider "aws" {}

variables {
  prefix = "my-msk-vpce"
  brokers = [
    { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    { broker_id = 2, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
  ]
  bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  msk_role_arn      = "arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk"
  external_id       = "ext-from-databricks"
  lambda_zip_path   = "tests/testdata/bootstrap.zip"
}

run "bad_prefix" {
  command = plan
  variables { prefix = "My_Prefix" }
  expect_failures = [var.prefix]
}

run "no_brokers" {
  command = plan
  variables {
    brokers           = []
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "duplicate_broker_id" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
      { broker_id = 1, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    ]
  }
  expect_failures = [var.brokers]
}

run "zone_name_instead_of_id" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "us-east-1a" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "bad_service_name" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "hostnames_in_two_domains" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
      { broker_id = 2, hostname = "b-2.other.xyz789.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "bootstrap_host_in_another_domain" {
  command = plan
  variables { bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.other.xyz789.c2.kafka.us-east-1.amazonaws.com:9098" }
  expect_failures = [var.bootstrap_brokers]
}

run "domain_name_in_another_domain" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-aa1.other.xyz789.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "domain_name_with_a_port" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "domain_names_without_the_hostname_first" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "domain_names_empty" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = [], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    ]
    bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }
  expect_failures = [var.brokers]
}

run "domain_name_given_to_two_brokers" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
      { broker_id = 2, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "BOOT-AA1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    ]
  }
  expect_failures = [var.brokers]
}

run "another_brokers_hostname_in_domain_names" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
      { broker_id = 2, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    ]
  }
  expect_failures = [var.brokers]
}

run "hostname_not_its_broker_id" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
      { broker_id = 3, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    ]
  }
  expect_failures = [var.brokers]
}

run "bootstrap_not_on_9098" {
  command = plan
  variables { bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9198" }
  expect_failures = [var.bootstrap_brokers]
}

run "bad_role_arn" {
  command = plan
  variables { msk_role_arn = "my-msk-vpce-databricks-msk" }
  expect_failures = [var.msk_role_arn]
}

run "bad_external_id" {
  command = plan
  variables { external_id = "x" }
  expect_failures = [var.external_id]
}

run "missing_zip" {
  command = plan
  variables { lambda_zip_path = "tests/testdata/absent.zip" }
  expect_failures = [var.lambda_zip_path]
}

run "bad_topic" {
  command = plan
  variables { topic = "no spaces" }
  expect_failures = [var.topic]
}

run "bad_timeout" {
  command = plan
  variables { timeout_seconds = 900 }
  expect_failures = [var.timeout_seconds]
}

run "bad_cidr" {
  command = plan
  variables { cidr_block = "10.99.0.0/28" }
  expect_failures = [var.cidr_block]
}

run "bad_subnet_id" {
  command = plan
  variables { subnet_ids = ["vpc-0123"] }
  expect_failures = [var.subnet_ids]
}

run "accept_without_service_id" {
  command = plan
  variables { accept_connections = true }
  expect_failures = [var.accept_connections]
}

run "bad_rate" {
  command = plan
  variables { schedule_rate_minutes = 2.5 }
  expect_failures = [var.schedule_rate_minutes]
}

run "bad_evaluation_periods" {
  command = plan
  variables { alarm_evaluation_periods = 0 }
  expect_failures = [var.alarm_evaluation_periods]
}

run "bad_alarm_action" {
  command = plan
  variables { alarm_actions = ["my-topic"] }
  expect_failures = [var.alarm_actions]
}

run "bad_log_retention" {
  command = plan
  variables { log_retention_days = 10 }
  expect_failures = [var.log_retention_days]
}

run "zone_names_in_zone_ids" {
  command = plan
  variables { zone_ids = ["us-east-1a"] }
  expect_failures = [var.zone_ids]
}

run "sns_key_alias" {
  command = plan
  variables { sns_kms_key_arn = "alias/aws/sns" }
  expect_failures = [var.sns_kms_key_arn]
}

run "bad_sasl_mechanism" {
  command = plan
  variables { sasl_mechanism = "AWS_MSK_IAM" }
  expect_failures = [var.sasl_mechanism]
}

# The canary planned against a mock of the real AWS provider schema: one
# endpoint per endpoint service in the zone IDs the services use, DNS for
# every broker's domain names, the bootstrap hosts they cover, and the
# schedule and alarms only when enabled.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_lambda_function" {
    override_during = plan
    defaults = {
      arn = "arn:aws:lambda:us-east-1:123456789012:function:my-msk-vpce-verify-canary"
    }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    override_during = plan
    defaults = {
      arn = "arn:aws:events:us-east-1:123456789012:rule/my-msk-vpce-verify-canary"
    }
  }

  mock_resource "aws_sns_topic" {
    override_during = plan
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:my-msk-vpce-verify-canary-alarms"
    }
  }

  mock_resource "aws_vpc_endpoint" {
    override_during = plan
    defaults = {
      dns_entry = [{
        dns_name       = "vpce-0mock-abcdefgh.vpce-svc-mock.us-east-1.vpce.amazonaws.com"
        hosted_zone_id = "Z7HUB22UULQXV"
      }]
    }
  }
}

variables {
  prefix = "my-msk-vpce"
  brokers = [
    { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-0000000000000000a", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000a", zone_id = "use1-az1" },
    { broker_id = 2, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-0000000000000000b", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000b", zone_id = "use1-az2" },
    { broker_id = 3, hostname = "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-0000000000000000c", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000000c", zone_id = "use1-az4" },
  ]
  bootstrap_brokers = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  msk_role_arn      = "arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk"
  external_id       = "ext-from-databricks"
  lambda_zip_path   = "tests/testdata/bootstrap.zip"
}

run "defaults_on_demand_only" {
  command = plan

  # Distinct subnet IDs, known at plan, so placement is checked by ID.
  override_resource {
    target          = aws_subnet.this[0]
    override_during = plan
    values          = { id = "subnet-0000000000000000a" }
  }

  override_resource {
    target          = aws_subnet.this[1]
    override_during = plan
    values          = { id = "subnet-0000000000000000b" }
  }

  override_resource {
    target          = aws_subnet.this[2]
    override_during = plan
    values          = { id = "subnet-0000000000000000c" }
  }

  override_resource {
    target          = aws_route53_zone.cluster
    override_during = plan
    values          = { zone_id = "Z0000000000000000CANARY" }
  }

  assert {
    condition     = keys(aws_vpc_endpoint.broker) == ["1", "2", "3"] && alltrue([for b in var.brokers : aws_vpc_endpoint.broker[tostring(b.broker_id)].service_name == b.endpoint_service_name])
    error_message = "one interface endpoint per broker endpoint service, to that service"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.broker : e.vpc_endpoint_type == "Interface" && e.private_dns_enabled == false])
    error_message = "broker endpoints are interface endpoints without private DNS (the hosted zone does DNS)"
  }

  assert {
    condition     = [for s in aws_subnet.this : s.availability_zone_id] == ["use1-az1", "use1-az2", "use1-az4"]
    error_message = "the canary's own subnets are placed by zone ID, one per zone ID the services use"
  }

  assert {
    condition     = [for s in aws_subnet.this : s.cidr_block] == ["10.99.0.0/26", "10.99.0.64/26", "10.99.0.128/26"]
    error_message = "three zones: a /26 each of the default /24, room for an ENI per broker up to 30 brokers"
  }

  assert {
    condition = alltrue([for i, z in ["use1-az1", "use1-az2", "use1-az4"] :
      aws_vpc_endpoint.broker[tostring(i + 1)].subnet_ids == toset([aws_subnet.this[index(local.zone_ids, z)].id])
    ])
    error_message = "each broker's endpoint must sit only in the subnet of its service's zone ID"
  }

  assert {
    condition     = alltrue([for hp in split(",", var.bootstrap_brokers) : contains([for r in aws_route53_record.broker : r.name], split(":", hp)[0])]) && alltrue([for b in var.brokers : aws_route53_record.broker[tostring(b.broker_id)].name == b.hostname])
    error_message = "the private zone must map every broker hostname and every bootstrap host"
  }

  assert {
    condition     = length(aws_route53_record.domain) == 0 && output.dns_names == sort([for b in var.brokers : b.hostname])
    error_message = "brokers without domain_names: the zone maps their hostnames and nothing else"
  }

  assert {
    condition     = aws_route53_zone.cluster.name == "demo.abc123.c2.kafka.us-east-1.amazonaws.com" && alltrue([for r in aws_route53_record.broker : r.type == "A" && r.zone_id == aws_route53_zone.cluster.zone_id])
    error_message = "one private zone for the cluster's domain holds the broker A (alias) records"
  }

  assert {
    condition     = alltrue([for k, r in aws_route53_record.broker : one(r.alias).name == aws_vpc_endpoint.broker[k].dns_entry[0].dns_name])
    error_message = "each broker's record must alias that broker's own endpoint"
  }

  assert {
    condition     = length(aws_vpc_endpoint.sts) == 1 && aws_vpc_endpoint.sts[0].service_name == "com.amazonaws.us-east-1.sts" && aws_vpc_endpoint.sts[0].private_dns_enabled
    error_message = "an STS interface endpoint with private DNS must be created"
  }

  assert {
    condition     = aws_lambda_function.runner.runtime == "provided.al2023" && aws_lambda_function.runner.architectures == tolist(["arm64"]) && aws_lambda_function.runner.handler == "bootstrap" && aws_lambda_function.runner.timeout == 120
    error_message = "the canary Lambda runs the arm64 bootstrap on provided.al2023, 30 s beyond the verifier's timeout"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.runner_assume.policy).Statement[0].Resource == var.msk_role_arn
    error_message = "the canary's role may assume exactly the Databricks role"
  }

  assert {
    condition     = output.event == jsonencode({ timeout_seconds = 90 })
    error_message = "the event says only what to check (the timeout): no broker, endpoint, CA, STS endpoint, role or external ID"
  }

  # The same file TestModuleEnvironmentDecodes reads with
  # remoteverify.ConfigFromEnv: what Terraform writes is what Go reads.
  assert {
    condition     = aws_lambda_function.runner.environment[0].variables == tomap(jsondecode(file("tests/testdata/environment.json")))
    error_message = "the function's configuration (its environment) must be tests/testdata/environment.json: every broker by id and first label, the bootstrap hosts by first label, the role and external ID, the region and the timeout"
  }

  assert {
    condition     = length(aws_cloudwatch_event_rule.schedule) == 0 && length(aws_cloudwatch_event_target.schedule) == 0 && length(aws_lambda_permission.schedule) == 0 && length(aws_lambda_function_event_invoke_config.schedule) == 0
    error_message = "no schedule unless schedule_enabled"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.path) == 0 && length(aws_sns_topic.alarms) == 0 && length(output.alarm_arns) == 0
    error_message = "no alarms or topic unless schedule_enabled"
  }

  assert {
    condition     = length(aws_vpc_endpoint_connection_accepter.broker) == 0
    error_message = "connections are accepted only with accept_connections"
  }
}

run "scheduled_with_alarms_and_topic" {
  command = plan

  variables {
    schedule_enabled   = true
    sns_topic_enabled  = true
    accept_connections = true
    sasl_mechanism     = "both"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.schedule[0].schedule_expression == "rate(5 minutes)"
    error_message = "the schedule runs every 5 minutes by default"
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.schedule[0].input) == jsondecode(output.event) && aws_cloudwatch_event_target.schedule[0].arn == aws_lambda_function.runner.arn
    error_message = "the schedule must invoke the canary with the event"
  }

  assert {
    condition     = aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_SASL_MECHANISM"] == "both"
    error_message = "the function's configuration carries the SASL mechanism"
  }

  assert {
    condition     = aws_lambda_permission.schedule[0].principal == "events.amazonaws.com" && aws_lambda_permission.schedule[0].source_arn == aws_cloudwatch_event_rule.schedule[0].arn
    error_message = "only this rule may invoke the canary"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.schedule[0].maximum_retry_attempts == 0
    error_message = "a failed scheduled run must not be retried (it would report late, twice more)"
  }

  assert {
    condition = keys(aws_cloudwatch_metric_alarm.path) == ["1", "2", "3"] && alltrue([for k, a in aws_cloudwatch_metric_alarm.path :
      a.namespace == "mskvpce/VerifyCanary" && a.metric_name == "PathPassed" && a.dimensions == tomap({ Canary = "my-msk-vpce", BrokerId = k }) &&
      a.period == 300 && a.statistic == "Minimum" && a.comparison_operator == "LessThanThreshold" && a.threshold == 1 && a.treat_missing_data == "breaching"
    ])
    error_message = "one alarm per broker path on its PathPassed metric, missing data breaching"
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.path : a.alarm_actions == toset([aws_sns_topic.alarms[0].arn]) && a.ok_actions == toset([aws_sns_topic.alarms[0].arn])])
    error_message = "the alarms notify the topic on ALARM and OK"
  }

  assert {
    condition     = length(aws_kms_key.alarms) == 1 && aws_kms_key.alarms[0].enable_key_rotation && contains(jsondecode(aws_kms_key.alarms[0].policy).Statement[*].Principal, { Service = "cloudwatch.amazonaws.com" })
    error_message = "the topic's key is a rotated customer managed key that CloudWatch may use"
  }

  assert {
    condition     = aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_NAMESPACE"] == "mskvpce/VerifyCanary" && aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_NAME"] == "my-msk-vpce"
    error_message = "the Lambda is told the namespace and canary name its metrics carry"
  }

  assert {
    condition     = keys(aws_vpc_endpoint_connection_accepter.broker) == ["1", "2", "3"] && alltrue([for b in var.brokers : aws_vpc_endpoint_connection_accepter.broker[tostring(b.broker_id)].vpc_endpoint_id == aws_vpc_endpoint.broker[tostring(b.broker_id)].id && aws_vpc_endpoint_connection_accepter.broker[tostring(b.broker_id)].vpc_endpoint_service_id == b.endpoint_service_id])
    error_message = "each connection is accepted by the canary's exact endpoint ID on its own service"
  }
}

run "schedule_without_alarms" {
  command = plan

  variables {
    schedule_enabled      = true
    schedule_rate_minutes = 1
    alarms_enabled        = false
    sns_topic_enabled     = true
  }

  assert {
    condition     = aws_cloudwatch_event_rule.schedule[0].schedule_expression == "rate(1 minute)"
    error_message = "a 1-minute rate must use the singular unit EventBridge requires"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.path) == 0 && length(aws_sns_topic.alarms) == 0 && length(aws_kms_key.alarms) == 0
    error_message = "alarms_enabled = false makes no alarms, no topic and no key"
  }
}

# Zone IDs looked up: the service is offered in this account's us-east-1b,
# which is use1-az2 here, so the subnet goes to use1-az2, not the first zone.
run "zone_ids_from_the_services" {
  command = plan

  variables {
    brokers = [for b in var.brokers : merge(b, { zone_id = null })]
  }

  override_resource {
    target          = aws_subnet.this[0]
    override_during = plan
    values          = { id = "subnet-0000000000000000b" }
  }

  override_data {
    target = data.aws_vpc_endpoint_service.broker
    values = {
      availability_zones = ["us-east-1b"]
    }
  }

  override_data {
    target = data.aws_availability_zones.all
    values = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c"]
      zone_ids = ["use1-az1", "use1-az2", "use1-az4"]
    }
  }

  assert {
    condition     = length(data.aws_vpc_endpoint_service.broker) == 3 && [for s in aws_subnet.this : s.availability_zone_id] == ["use1-az2"]
    error_message = "zone IDs must come from the services' zones through this account's name-to-ID mapping"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.broker : e.subnet_ids == toset([aws_subnet.this[0].id])])
    error_message = "every endpoint goes into the subnet of its service's zone ID"
  }
}

run "operator_subnets" {
  command = plan

  variables {
    brokers    = [for b in var.brokers : merge(b, { zone_id = "use1-az1" })]
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  }

  override_data {
    target = data.aws_subnet.given
    values = {
      vpc_id               = "vpc-0operator00000000"
      availability_zone_id = "use1-az1"
    }
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.this) == 0 && aws_security_group.runner.vpc_id == "vpc-0operator00000000"
    error_message = "with subnet_ids the canary builds no VPC and lives in the operator's"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.broker : e.subnet_ids == toset(var.subnet_ids)]) && aws_lambda_function.runner.vpc_config[0].subnet_ids == toset(var.subnet_ids)
    error_message = "endpoints and the Lambda use the operator's subnets in the services' zone"
  }
}

run "operator_subnets_in_the_wrong_zone" {
  command = plan

  variables {
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  override_data {
    target = data.aws_subnet.given
    values = {
      vpc_id               = "vpc-0operator00000000"
      availability_zone_id = "use1-az1"
    }
  }

  # Brokers 2 and 3 are offered in use1-az2 and use1-az4 only.
  expect_failures = [aws_vpc_endpoint.broker]
}

# zone_ids keeps the subnet count known at plan when the brokers' zones are
# not (canary and cluster in one apply); endpoints still go by broker zone.
run "subnets_from_zone_ids" {
  command = plan

  variables {
    zone_ids = ["use1-az5", "use1-az4", "use1-az2", "use1-az1"]
  }

  override_resource {
    target          = aws_subnet.this[0]
    override_during = plan
    values          = { id = "subnet-0000000000000000a" }
  }

  override_resource {
    target          = aws_subnet.this[1]
    override_during = plan
    values          = { id = "subnet-0000000000000000b" }
  }

  override_resource {
    target          = aws_subnet.this[2]
    override_during = plan
    values          = { id = "subnet-0000000000000000c" }
  }

  override_resource {
    target          = aws_subnet.this[3]
    override_during = plan
    values          = { id = "subnet-0000000000000000d" }
  }

  assert {
    condition     = [for s in aws_subnet.this : s.availability_zone_id] == ["use1-az1", "use1-az2", "use1-az4", "use1-az5"]
    error_message = "one subnet per given zone ID, sorted"
  }

  assert {
    condition = [for e in aws_vpc_endpoint.broker : e.subnet_ids] == [
      toset(["subnet-0000000000000000a"]), toset(["subnet-0000000000000000b"]), toset(["subnet-0000000000000000c"])
    ]
    error_message = "each endpoint goes only into its broker's zone, not into every canary subnet"
  }
}

# Lambda allows 4 KB of environment: 30 brokers whose cluster label is the
# longest DNS allows (63 characters), in a long region name, bootstrapping
# through three Express boot hosts, with a long role path, a long external
# ID and a long topic fit.
run "thirty_brokers_fit" {
  command = plan

  variables {
    brokers = [for i in range(1, 31) : {
      broker_id             = i
      hostname              = "b-${i}.${join("", [for n in range(63) : "c"])}.abc123.c12.kafka.ap-southeast-5.amazonaws.com"
      domain_names          = concat(["b-${i}.${join("", [for n in range(63) : "c"])}.abc123.c12.kafka.ap-southeast-5.amazonaws.com"], i <= 3 ? ["boot-${format("%08x", i)}.${join("", [for n in range(63) : "c"])}.abc123.c12.kafka.ap-southeast-5.amazonaws.com"] : [])
      endpoint_service_name = format("com.amazonaws.vpce.ap-southeast-5.vpce-svc-%017x", i)
      zone_id               = "apse5-az1"
    }]
    bootstrap_brokers = join(",", [for i in range(1, 4) : "boot-${format("%08x", i)}.${join("", [for n in range(63) : "c"])}.abc123.c12.kafka.ap-southeast-5.amazonaws.com:9098"])
    msk_role_arn      = "arn:aws:iam::123456789012:role/${join("", [for n in range(200) : "p"])}/${join("", [for n in range(64) : "r"])}"
    external_id       = replace(format("%01224d", 0), "0", "e")
    topic             = join("", [for n in range(249) : "t"])
    sasl_mechanism    = "oauthbearer"
  }

  assert {
    condition     = local.environment_bytes <= 4096 && length(split(",", aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BROKERS"])) == 30 && aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BOOTSTRAP"] == "boot-00000001,boot-00000002,boot-00000003"
    error_message = "30 long-named brokers and three boot hosts with long role, external ID and topic must fit Lambda's 4 KB environment"
  }
}

# Past 4 KB the plan stops at the precondition, naming the size, not at
# Lambda's API minutes into an apply.
run "environment_over_4kb" {
  command = plan

  variables {
    msk_role_arn = "arn:aws:iam::123456789012:role/${replace(format("%02600d", 0), "0", "p")}/r"
    external_id  = replace(format("%01224d", 0), "0", "e")
  }

  expect_failures = [aws_lambda_function.runner]
}

# An Express cluster bootstraps through boot-... hostnames that are no
# broker's: the per-broker layer gives each to one broker's domain_names, as
# Databricks' NCC rules take them. The zone maps each to that broker's
# endpoint, the broker's own hostname keeps its record, and the canary
# bootstraps from the boot hosts in the order given.
run "express_cluster" {
  command = plan

  variables {
    brokers = [for b in var.brokers : merge(b, {
      domain_names = [b.hostname, "boot-${["aa1", "mm5", "qq7"][b.broker_id - 1]}.demo.abc123.c2.kafka.us-east-1.amazonaws.com"]
    })]
    bootstrap_brokers = "boot-qq7.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,boot-mm5.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }

  override_resource {
    target          = aws_route53_zone.cluster
    override_during = plan
    values          = { zone_id = "Z0000000000000000CANARY" }
  }

  # Each endpoint its own DNS name, so a record shows which one it aliases.
  override_resource {
    target          = aws_vpc_endpoint.broker["1"]
    override_during = plan
    values          = { dns_entry = [{ dns_name = "vpce-1.vpce-svc-a.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }] }
  }

  override_resource {
    target          = aws_vpc_endpoint.broker["2"]
    override_during = plan
    values          = { dns_entry = [{ dns_name = "vpce-2.vpce-svc-b.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }] }
  }

  override_resource {
    target          = aws_vpc_endpoint.broker["3"]
    override_during = plan
    values          = { dns_entry = [{ dns_name = "vpce-3.vpce-svc-c.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }] }
  }

  assert {
    condition = keys(aws_route53_record.broker) == ["1", "2", "3"] && alltrue([for b in var.brokers :
      aws_route53_record.broker[tostring(b.broker_id)].name == b.hostname && one(aws_route53_record.broker[tostring(b.broker_id)].alias).name == "vpce-${b.broker_id}.vpce-svc-${["a", "b", "c"][b.broker_id - 1]}.us-east-1.vpce.amazonaws.com"
    ])
    error_message = "each broker's own hostname keeps its record, keyed by broker id, to its own endpoint"
  }

  assert {
    condition = {
      for name, r in aws_route53_record.domain : name => [r.name, r.type, r.zone_id == aws_route53_zone.cluster.zone_id, one(r.alias).name, one(r.alias).zone_id]
      } == {
      "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" = ["boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "A", true, "vpce-1.vpce-svc-a.us-east-1.vpce.amazonaws.com", "Z7HUB22UULQXV"]
      "boot-mm5.demo.abc123.c2.kafka.us-east-1.amazonaws.com" = ["boot-mm5.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "A", true, "vpce-2.vpce-svc-b.us-east-1.vpce.amazonaws.com", "Z7HUB22UULQXV"]
      "boot-qq7.demo.abc123.c2.kafka.us-east-1.amazonaws.com" = ["boot-qq7.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "A", true, "vpce-3.vpce-svc-c.us-east-1.vpce.amazonaws.com", "Z7HUB22UULQXV"]
    }
    error_message = "each boot host is one record, keyed by its name, aliasing the endpoint of the broker it was given to"
  }

  assert {
    condition = output.dns_names == tolist([
      "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com",
      "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-mm5.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-qq7.demo.abc123.c2.kafka.us-east-1.amazonaws.com",
    ])
    error_message = "dns_names lists every name the zone maps: the brokers' hostnames and the boot hosts"
  }

  assert {
    condition     = aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BROKERS"] == "1=b-1+boot-aa1,2=b-2+boot-mm5,3=b-3+boot-qq7" && aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BOOTSTRAP"] == "boot-qq7,boot-aa1,boot-mm5"
    error_message = "the configuration carries each broker's domain names by label and the boot hosts by label, in the bootstrap string's order"
  }

  assert {
    condition     = keys(aws_vpc_endpoint.broker) == ["1", "2", "3"]
    error_message = "boot hosts are names, not paths: still one endpoint per broker"
  }
}

# Brokers being removed (broker_count 6 -> 3, broker_ids [1, 3, 5], or here
# broker 2 of 3): MSK lists a removed broker in the bootstrap string until
# it is gone, so while the removal is planned, and after it until the
# string is refreshed, bootstrap_brokers names a broker that brokers does
# not. The plan goes on; the canary bootstraps from the others.
run "bootstrap_lists_a_removed_broker" {
  command = plan

  variables {
    brokers = [for b in var.brokers : b if b.broker_id != 2]
  }

  assert {
    condition     = keys(aws_vpc_endpoint.broker) == ["1", "3"] && keys(aws_route53_record.broker) == ["1", "3"] && length(aws_route53_record.domain) == 0
    error_message = "the removed broker has no endpoint and no record"
  }

  assert {
    condition     = aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BROKERS"] == "1=b-1,3=b-3" && aws_lambda_function.runner.environment[0].variables["MSKVPCE_CANARY_BOOTSTRAP"] == "b-1,b-3"
    error_message = "the canary bootstraps from the bootstrap hosts the brokers cover (b-1, b-3), leaving out the removed b-2"
  }

  assert {
    condition     = output.dns_names == tolist(["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com"])
    error_message = "the zone maps only the remaining brokers"
  }
}

# Only when no bootstrap host is covered does the plan stop: the canary
# would have nowhere to bootstrap.
run "bootstrap_lists_only_removed_brokers" {
  command = plan

  variables {
    brokers           = [for b in var.brokers : b if b.broker_id == 1]
    bootstrap_brokers = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  }

  expect_failures = [aws_lambda_function.runner]
}

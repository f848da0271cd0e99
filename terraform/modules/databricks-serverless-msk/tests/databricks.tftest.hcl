# Plan-level tests with mocked providers: the real databricks/databricks and
# hashicorp/aws schemas, no cloud.

mock_provider "aws" {}

mock_provider "databricks" {
  alias           = "account"
  override_during = plan

  mock_resource "databricks_mws_network_connectivity_config" {
    defaults = {
      network_connectivity_config_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "databricks_mws_ncc_private_endpoint_rule" {
    defaults = {
      rule_id          = "rule-mock"
      vpc_endpoint_id  = "vpce-0mockdatabricks"
      connection_state = "PENDING"
    }
  }
}

mock_provider "databricks" {
  alias           = "workspace"
  override_during = plan

  mock_resource "databricks_credential" {
    defaults = {
      aws_iam_role = {
        external_id = "ext-from-databricks"
      }
    }
  }
}

variables {
  prefix   = "demo"
  region   = "us-east-1"
  role_arn = "arn:aws:iam::123456789012:role/demo-databricks-msk"
  brokers = [
    { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-01", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-01" },
    { broker_id = 2, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-02", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-02" },
    { broker_id = 3, hostname = "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-03", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-03" },
  ]
}

run "one_rule_per_broker" {
  command = plan

  assert {
    condition     = keys(databricks_mws_ncc_private_endpoint_rule.broker) == ["1", "2", "3"]
    error_message = "Expected one private endpoint rule per broker, keyed by broker id."
  }

  assert {
    condition = alltrue([for b in var.brokers :
      databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].endpoint_service == b.endpoint_service_name &&
      databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].domain_names == tolist([b.hostname])
    ])
    error_message = "Each rule must point at its broker's endpoint service with exactly that broker's hostname as domain name."
  }

  # A hostname no rule carries does not resolve in serverless; one in two
  # rules resolves to either path. msk-vpce's tests show every bootstrap
  # hostname is exactly one broker's hostname.
  assert {
    condition = alltrue([for b in var.brokers :
      length([for r in databricks_mws_ncc_private_endpoint_rule.broker : r if contains(r.domain_names, b.hostname)]) == 1 &&
      one([for r in databricks_mws_ncc_private_endpoint_rule.broker : r.endpoint_service if contains(r.domain_names, b.hostname)]) == b.endpoint_service_name
    ])
    error_message = "Every broker hostname must be in exactly one rule's domain_names, the rule on that broker's endpoint service."
  }

  # verify's rule-domains check reads these outputs: they must carry the
  # rule as Databricks holds it.
  assert {
    condition = alltrue([for i, b in var.brokers :
      output.rules[i].endpoint_service == b.endpoint_service_name && output.rules[i].domain_names == tolist([b.hostname])
    ])
    error_message = "The rules output must carry each rule's endpoint_service and domain_names."
  }

  assert {
    condition     = alltrue([for r in databricks_mws_ncc_private_endpoint_rule.broker : r.network_connectivity_config_id == "11111111-2222-3333-4444-555555555555"])
    error_message = "Rules must go into the NCC this module creates."
  }

  assert {
    condition     = length(databricks_mws_network_connectivity_config.this) == 1 && databricks_mws_network_connectivity_config.this[0].region == "us-east-1"
    error_message = "A new NCC in the cluster's region is created when none is given."
  }

  assert {
    condition     = length(databricks_mws_ncc_binding.this) == 0
    error_message = "No workspace binding unless workspace_id is set."
  }
}

run "accepter_per_rule" {
  command = plan

  assert {
    condition = keys(aws_vpc_endpoint_connection_accepter.broker) == ["1", "2", "3"] && alltrue([for b in var.brokers :
      aws_vpc_endpoint_connection_accepter.broker[tostring(b.broker_id)].vpc_endpoint_service_id == b.endpoint_service_id &&
      aws_vpc_endpoint_connection_accepter.broker[tostring(b.broker_id)].vpc_endpoint_id == databricks_mws_ncc_private_endpoint_rule.broker[tostring(b.broker_id)].vpc_endpoint_id
    ])
    error_message = "Each rule's VPC endpoint must be accepted on its own broker's endpoint service."
  }
}

run "no_accepter_when_disabled" {
  command = plan

  variables {
    accept_connections = false
  }

  assert {
    condition     = length(aws_vpc_endpoint_connection_accepter.broker) == 0
    error_message = "accept_connections = false must leave acceptance to the operator."
  }
}

run "service_credential" {
  command = plan

  assert {
    condition     = databricks_credential.msk.purpose == "SERVICE" && databricks_credential.msk.name == "demo-msk"
    error_message = "The credential must be a SERVICE credential named <prefix>-msk."
  }

  assert {
    condition     = databricks_credential.msk.aws_iam_role[0].role_arn == var.role_arn
    error_message = "The credential must use the MSK role."
  }

  assert {
    condition     = output.external_id == "ext-from-databricks"
    error_message = "The module must expose the credential's external ID for the role's trust policy."
  }
}

run "existing_ncc_and_binding" {
  command = plan

  variables {
    network_connectivity_config_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    workspace_id                   = 1234567890123456
  }

  assert {
    condition     = length(databricks_mws_network_connectivity_config.this) == 0
    error_message = "An existing NCC must be used, not a new one created."
  }

  assert {
    condition     = alltrue([for r in databricks_mws_ncc_private_endpoint_rule.broker : r.network_connectivity_config_id == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"])
    error_message = "Rules must go into the given NCC."
  }

  assert {
    condition     = databricks_mws_ncc_binding.this[0].workspace_id == 1234567890123456
    error_message = "The NCC must be bound to the given workspace."
  }
}

run "invalid_prefix" {
  command = plan
  variables {
    prefix = "Bad_Prefix"
  }
  expect_failures = [var.prefix]
}

run "invalid_region" {
  command = plan
  variables {
    region = "useast1"
  }
  expect_failures = [var.region]
}

run "invalid_role_arn" {
  command = plan
  variables {
    role_arn = "arn:aws:iam::123:user/someone"
  }
  expect_failures = [var.role_arn]
}

run "invalid_credential_name" {
  command = plan
  variables {
    credential_name = "has spaces"
  }
  expect_failures = [var.credential_name]
}

run "invalid_ncc_id" {
  command = plan
  variables {
    network_connectivity_config_id = "ncc-1"
  }
  expect_failures = [var.network_connectivity_config_id]
}

run "no_brokers" {
  command = plan
  variables {
    brokers = []
  }
  expect_failures = [var.brokers]
}

run "too_many_brokers" {
  command = plan
  variables {
    brokers = [for i in range(31) : { broker_id = i + 1, hostname = "b-${i + 1}.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-${i}", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-${i}" }]
  }
  expect_failures = [var.brokers]
}

run "credential_grants" {
  command = plan

  variables {
    credential_access_principals = ["data-engineers", "etl@example.com"]
  }

  assert {
    condition     = databricks_grants.credential[0].credential == "demo-msk" && toset([for g in databricks_grants.credential[0].grant : "${g.principal}=${join(",", g.privileges)}"]) == toset(["data-engineers=ACCESS", "etl@example.com=ACCESS"])
    error_message = "every credential_access_principals entry must get ACCESS on the credential"
  }
}

run "binding_new_ncc_refused" {
  command = plan

  variables {
    workspace_id = 1234567890123456
  }

  expect_failures = [var.bind_new_ncc_to_workspace]
}

run "binding_new_ncc_on_explicit_choice" {
  command = plan

  variables {
    workspace_id              = 1234567890123456
    bind_new_ncc_to_workspace = true
  }

  assert {
    condition     = length(databricks_mws_network_connectivity_config.this) == 1 && databricks_mws_ncc_binding.this[0].workspace_id == 1234567890123456
    error_message = "with the explicit choice, the new NCC is bound"
  }
}

run "prefix_24_characters" {
  command = plan

  variables {
    prefix = "abcdefghijklmnopqrstuvwx"
  }

  assert {
    condition     = databricks_mws_network_connectivity_config.this[0].name == "abcdefghijklmnopqrstuvwx-ncc"
    error_message = "prefix limits must equal msk-vpce's (3-24)"
  }
}

# The rule as provider v1.84 leaves it after create: CREATING, no endpoint
# yet. The accepter must stop with the second-apply message, not accept "".
run "accepter_waits_for_the_endpoint" {
  command = plan

  override_resource {
    target          = databricks_mws_ncc_private_endpoint_rule.broker
    override_during = plan
    values = {
      rule_id          = "rule-creating"
      vpc_endpoint_id  = ""
      connection_state = "CREATING"
    }
  }

  expect_failures = [aws_vpc_endpoint_connection_accepter.broker]
}

# Brokers 1, 3 and 5 of six (MSK removed the others): each rule stays keyed
# by its broker's id, and Express brokers' bootstrap hostnames ride in the
# domain_names of the broker they were given to.
run "rules_keyed_by_broker_id_with_domain_names" {
  command = plan

  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_id = "vpce-svc-01", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-01" },
      { broker_id = 3, hostname = "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-03", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-03" },
      { broker_id = 5, hostname = "b-5.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["b-5.demo.abc123.c2.kafka.us-east-1.amazonaws.com"], endpoint_service_id = "vpce-svc-05", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-05" },
    ]
  }

  assert {
    condition     = keys(databricks_mws_ncc_private_endpoint_rule.broker) == ["1", "3", "5"] && keys(aws_vpc_endpoint_connection_accepter.broker) == ["1", "3", "5"]
    error_message = "rules and acceptances must be keyed by broker id, gaps and all"
  }

  assert {
    condition     = databricks_mws_ncc_private_endpoint_rule.broker["1"].domain_names == tolist(["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"]) && databricks_mws_ncc_private_endpoint_rule.broker["3"].domain_names == tolist(["b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com"])
    error_message = "a rule carries its broker's domain_names (its hostname alone when none are given)"
  }

  assert {
    condition     = [for r in output.rules : r.broker_id] == [1, 3, 5]
    error_message = "the rules output keeps the brokers' order"
  }
}

run "rejects_a_repeated_broker_id" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-01", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-01" },
      { broker_id = 1, hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", endpoint_service_id = "vpce-svc-02", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-02" },
    ]
  }
  expect_failures = [var.brokers]
}

run "rejects_more_than_ten_domain_names" {
  command = plan
  variables {
    brokers = [
      { broker_id = 1, hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", domain_names = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"], endpoint_service_id = "vpce-svc-01", endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-01" },
    ]
  }
  expect_failures = [var.brokers]
}

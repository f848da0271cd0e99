# The existing-cluster root: the per-broker layer in front of a cluster this
# configuration reads and never creates, wired to the Databricks half and
# the canary the same way as examples/complete. Planned against a mock of
# the real AWS provider schema; the cluster's ARN is an input, so every read
# happens while planning. (test/day2 plans this root with real terraform:
# nothing it plans creates or changes a cluster or a VPC.)

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

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
        unity_catalog_iam_arn = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
      }
    }
  }
}

variables {
  region      = "us-east-1"
  cluster_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  prefix      = "orders-dbx"
  user_name   = "your.name@company.com"
}

run "brokers_of_the_existing_cluster" {
  command = plan

  assert {
    condition     = [for b in output.brokers : b.broker_id] == [1, 2, 3] && [for b in output.brokers : b.client_ip] == ["10.8.0.10", "10.8.64.20", "10.8.128.30"]
    error_message = "the brokers output must list the existing cluster's brokers, by id, with their addresses"
  }

  assert {
    condition     = output.cluster_arn == var.cluster_arn && output.cluster_name == "orders" && output.vpc_id == "vpc-0existing" && output.broker_security_group_id == "sg-cluster" && output.kafka_version == "3.8.x"
    error_message = "the cluster's outputs must describe the existing cluster"
  }

  assert {
    condition     = output.allowed_principals == tolist(["arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"]) && output.cluster_security_group_rule_command == null
    error_message = "by default Databricks serverless of the region is allowed and the rule is managed"
  }
}

run "databricks_rules_carry_every_hostname_once" {
  command = plan

  variables {
    enable_databricks         = true
    databricks_account_id     = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
  }

  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for r in output.databricks.rules : r if contains(r.domain_names, split(":", hp)[0])]) == 1
    ]) && length(output.databricks.rules) == 3
    error_message = "every bootstrap hostname must be in exactly one rule's domain_names, one rule per broker"
  }
}

# An Express cluster: its boot-... bootstrap hostnames ride in the rules of
# the brokers they are given to.
run "express_brokers" {
  command = plan

  variables {
    enable_databricks         = true
    databricks_account_id     = "0d26daa6-5e44-4c97-a497-ef015f91254a"
    databricks_workspace_host = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com"
  }

  override_data {
    target          = module.privatelink.data.aws_msk_cluster.this
    override_during = plan
    values = {
      arn                        = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
      bootstrap_brokers_sasl_iam = "boot-a1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098,boot-b2.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098,boot-c3.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
      kafka_version              = "3.6.0"
      broker_node_group_info     = [{ az_distribution = "DEFAULT", client_subnets = ["subnet-aaa", "subnet-bbb", "subnet-ccc"], security_groups = ["sg-cluster"], instance_type = "express.m7g.large", connectivity_info = [], storage_info = [] }]
    }
  }

  assert {
    condition = alltrue([for hp in split(",", output.bootstrap_brokers_sasl_iam) :
      length([for r in output.databricks.rules : r if contains(r.domain_names, split(":", hp)[0])]) == 1
    ]) && alltrue([for r in output.databricks.rules : length(r.domain_names) == 2])
    error_message = "each boot-... hostname must be in exactly one broker's rule (here one each)"
  }
}

run "canary_and_healer_keyed_by_broker_id" {
  command = plan

  variables {
    enable_verify_canary          = true
    verify_canary_lambda_zip_path = "../../modules/verify-canary/tests/testdata/bootstrap.zip"
  }

  assert {
    condition     = length(output.verify_canary.endpoints) == 3 && [for e in output.verify_canary.endpoints : e.broker_id] == [1, 2, 3]
    error_message = "the canary must have one endpoint per broker of the existing cluster"
  }
}

# The brokers' security group is not ours: the operator added the rule by
# hand (until then the layer's check warns: msk-privatelink's tests).
run "cluster_security_group_not_ours" {
  command = plan

  variables {
    manage_cluster_security_group_rule = false
  }

  override_data {
    target          = module.privatelink.data.aws_vpc_security_group_rules.cluster_ingress[0]
    override_during = plan
    values          = { ids = ["sgr-0byhand"] }
  }

  override_data {
    target          = module.privatelink.data.aws_vpc_security_group_rule.cluster_ingress["sgr-0byhand"]
    override_during = plan
    values          = { security_group_rule_id = "sgr-0byhand", is_egress = false, ip_protocol = "-1", from_port = -1, to_port = -1, referenced_security_group_id = "sg-nlb" }
  }

  override_resource {
    target          = module.privatelink.aws_security_group.nlb
    override_during = plan
    values          = { id = "sg-nlb" }
  }

  assert {
    condition     = startswith(output.cluster_security_group_rule_command, "aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-cluster")
    error_message = "the root must hand the operator the command that adds the missing rule"
  }
}

run "rejects_a_cluster_in_another_region" {
  command = plan
  variables {
    cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  }
  expect_failures = [var.cluster_arn]
}

run "rejects_not_a_cluster_arn" {
  command = plan
  variables {
    cluster_arn = "arn:aws:kafka:us-east-1:123456789012:serverless/orders/0b1c"
  }
  expect_failures = [var.cluster_arn]
}

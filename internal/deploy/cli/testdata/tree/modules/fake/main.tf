variable "region" { type = string }
variable "prefix" { type = string }
variable "allowed_principals" { type = list(string) }
variable "databricks_external_id" { type = string }
variable "sleep_seconds" { type = number }
variable "enable_databricks" { type = bool }
variable "databricks_workspace_host" { type = string }
variable "databricks_ncc_id" { type = string }
variable "databricks_connection_state" { type = string }
variable "enable_verify_canary" { type = bool }
variable "verify_canary_lambda_zip_path" { type = string }
variable "replace_token" { type = string }

locals {
  cluster_name = "${var.prefix}-msk"
  cluster_uuid = "0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
  host_id      = "abc123"
  brokers = [for id in [1, 2, 3] : {
    broker_id             = id
    hostname              = "b-${id}.${local.cluster_name}.${local.host_id}.c2.kafka.${var.region}.amazonaws.com"
    client_ip             = "172.18.${id}.10"
    client_subnet_id      = "subnet-000${id}"
    availability_zone     = "${var.region}${substr("abc", id - 1, 1)}"
    nlb_arn               = "arn:aws:elasticloadbalancing:${var.region}:123456789012:loadbalancer/net/${var.prefix}-b${id}/0123456789abcdef"
    nlb_dns_name          = "${var.prefix}-b${id}-0123456789.elb.${var.region}.amazonaws.com"
    target_group_arn      = "arn:aws:elasticloadbalancing:${var.region}:123456789012:targetgroup/${var.prefix}-b${id}/0123456789abcdef"
    endpoint_service_id   = "vpce-svc-0000000000000000${id}"
    endpoint_service_name = "com.amazonaws.vpce.${var.region}.vpce-svc-0000000000000000${id}"
  }]
}

resource "terraform_data" "cluster" {
  input = local.cluster_name
}

resource "terraform_data" "broker_path" {
  count = 3
  input = local.brokers[count.index].endpoint_service_name
}

# Stands in for the Databricks service credential (enable_databricks): its
# external ID feeds the role's trust in the same apply.
resource "terraform_data" "credential" {
  count = var.enable_databricks ? 1 : 0
  input = "${var.prefix}-msk"
}

# Stands in for the NCC private endpoint rules, one per broker; the
# connection state is an input so tests can move it from PENDING to ESTABLISHED.
resource "terraform_data" "rule" {
  count = var.enable_databricks ? 3 : 0
  input = var.databricks_connection_state
}

# Stands in for the Databricks role: only its trust (the external ID) changes
# in the second phase.
resource "terraform_data" "aws_iam_role" {
  input = var.enable_databricks ? "ext-${terraform_data.credential[0].output}" : var.databricks_external_id
}

# Stands in for the verify canary (terraform/modules/verify-canary): its
# outputs are the example's verify_canary, the event as the module's (what
# to check; the brokers, role and external ID are the function's own
# configuration, which the tests give the fake Lambda).
resource "terraform_data" "verify_canary" {
  count = var.enable_verify_canary ? 1 : 0
  input = var.verify_canary_lambda_zip_path

  lifecycle {
    precondition {
      condition     = var.verify_canary_lambda_zip_path != null
      error_message = "verify_canary_lambda_zip_path must name the verify-lambda .zip, and is required when enable_verify_canary is true."
    }
  }
}

# Stands in for a resource that drift or a changed input would replace.
resource "terraform_data" "replaceable" {
  count            = var.replace_token == null ? 0 : 1
  triggers_replace = var.replace_token
}

# Stands in for the slow MSK cluster.
resource "terraform_data" "slow" {
  count = var.sleep_seconds > 0 ? 1 : 0
  input = var.sleep_seconds

  provisioner "local-exec" {
    command = "sleep ${var.sleep_seconds}"
  }
}

output "region" { value = var.region }
output "cluster_arn" { value = "arn:aws:kafka:${var.region}:123456789012:cluster/${terraform_data.cluster.output}/${local.cluster_uuid}" }
output "cluster_name" { value = terraform_data.cluster.output }
output "cluster_uuid" { value = local.cluster_uuid }
output "bootstrap_brokers_sasl_iam" { value = join(",", [for b in local.brokers : "${b.hostname}:9098"]) }
output "databricks_msk_role_arn" { value = "arn:aws:iam::123456789012:role/${var.prefix}-databricks-msk" }
output "databricks_msk_role_name" { value = "${var.prefix}-databricks-msk" }
output "external_id_is_placeholder" { value = terraform_data.aws_iam_role.output == "0000" }
output "allowed_principals" { value = var.allowed_principals }
output "brokers" { value = [for i, b in local.brokers : merge(b, { nlb_dns_name = "${b.nlb_dns_name}${substr(terraform_data.broker_path[i].id, 0, 0)}" })] }
output "databricks" {
  value = var.enable_databricks ? {
    credential_name                = terraform_data.credential[0].output
    external_id                    = terraform_data.aws_iam_role.output
    network_connectivity_config_id = coalesce(var.databricks_ncc_id, "9f0e8d7c-6b5a-4938-8271-605f4e3d2c1b")
    rules = [for i, b in local.brokers : {
      broker_id        = b.broker_id
      hostname         = b.hostname
      rule_id          = "rule-${b.broker_id}"
      vpc_endpoint_id  = "vpce-0dbx000000000000${b.broker_id}"
      connection_state = terraform_data.rule[i].output
    }]
  } : null
}
output "verify_canary" {
  value = var.enable_verify_canary ? {
    function_name = "${var.prefix}-verify-canary"
    event = jsonencode({
      timeout_seconds = 20
    })
    role_arn = "arn:aws:iam::123456789012:role/${var.prefix}-verify-canary"
    endpoints = [for b in local.brokers : {
      broker_id           = b.broker_id
      hostname            = b.hostname
      endpoint_service_id = b.endpoint_service_id
      vpc_endpoint_id     = "vpce-0canary00000000${b.broker_id}${substr(terraform_data.verify_canary[0].id, 0, 0)}"
      zone_ids            = ["use1-az${b.broker_id}"]
      state               = "available"
    }]
    metric_namespace = "mskvpce/VerifyCanary"
    alarm_arns       = []
    sns_topic_arn    = null
  } : null
}

locals {
  credential_name = coalesce(var.credential_name, "${var.prefix}-msk")
  ncc_id          = var.network_connectivity_config_id != null ? var.network_connectivity_config_id : databricks_mws_network_connectivity_config.this[0].network_connectivity_config_id
}

# The Unity Catalog service credential Spark uses for AWS_MSK_IAM
# (databricks.serviceCredential). Its external ID feeds the role's trust
# policy; the role ARN is passed in as a plain string, so there is no cycle.
resource "databricks_credential" "msk" {
  provider = databricks.workspace

  name            = local.credential_name
  purpose         = "SERVICE"
  comment         = "MSK over PrivateLink (mskvpce ${var.prefix})"
  skip_validation = var.skip_validation

  aws_iam_role {
    role_arn = var.role_arn
  }
}

# Without grants only the credential's owner (the Terraform identity) could
# use it; the users and groups that run the notebooks need ACCESS.
resource "databricks_grants" "credential" {
  count    = length(var.credential_access_principals) == 0 ? 0 : 1
  provider = databricks.workspace

  credential = databricks_credential.msk.name

  dynamic "grant" {
    for_each = var.credential_access_principals
    content {
      principal  = grant.value
      privileges = ["ACCESS"]
    }
  }
}

resource "databricks_mws_network_connectivity_config" "this" {
  count    = var.network_connectivity_config_id == null ? 1 : 0
  provider = databricks.account

  name   = "${var.prefix}-ncc"
  region = var.region
}

locals {
  # Keyed by broker id, whose set is known at plan even before a new
  # cluster's brokers exist: adding or removing a broker touches only its own
  # rule and acceptance.
  brokers = { for b in var.brokers : tostring(b.broker_id) => b }
}

# One rule per broker: Databricks creates an interface endpoint to that
# broker's endpoint service and resolves that broker's hostname (and any
# bootstrap hostname given to it) to it, so TLS still sees the broker's own
# name.
resource "databricks_mws_ncc_private_endpoint_rule" "broker" {
  for_each = local.brokers
  provider = databricks.account

  network_connectivity_config_id = local.ncc_id
  endpoint_service               = each.value.endpoint_service_name
  domain_names                   = coalesce(each.value.domain_names, [each.value.hostname])

  # Provider v1.84 has no update for rules, so every attribute forces
  # replacement, and the API returns account_id, which the config cannot
  # set: without this, every apply after the first replaces each rule (a new
  # endpoint, a new acceptance). databricks/terraform-provider-databricks#5347;
  # test/dbprovider catches it with the real provider.
  lifecycle {
    ignore_changes = [account_id]
  }
}

# The endpoint services require acceptance; accepting here makes the rules
# ESTABLISHED in the same apply.
resource "aws_vpc_endpoint_connection_accepter" "broker" {
  for_each = var.accept_connections ? local.brokers : {}

  vpc_endpoint_service_id = each.value.endpoint_service_id
  vpc_endpoint_id         = databricks_mws_ncc_private_endpoint_rule.broker[each.key].vpc_endpoint_id

  # Databricks creates the interface endpoint asynchronously: the rule's
  # create response (state CREATING) has no vpc_endpoint_id yet, and provider
  # v1.84 does not wait. Stop with a clear message rather than accept nothing.
  lifecycle {
    precondition {
      condition = try(length(databricks_mws_ncc_private_endpoint_rule.broker[each.key].vpc_endpoint_id) > 0, false)
      # A rule can also end CREATE_FAILED; provider v1.84 does not expose the
      # rule's error_message (its SDK lacks the field), so point to where it is.
      error_message = try(databricks_mws_ncc_private_endpoint_rule.broker[each.key].connection_state, "") == "CREATE_FAILED" ? "Databricks failed to create the endpoint of the private endpoint rule for ${each.value.hostname} (state CREATE_FAILED): another apply will not fix it. Read the rule's error_message (account console, Security, Networking, the NCC's private endpoint rules, or deploy status), fix the cause (e.g. the endpoint service's allowed principals or its AZs), then recreate the rule: terraform apply -replace='databricks_mws_ncc_private_endpoint_rule.broker[\"${each.key}\"]' (with the module's address in front)." : "Databricks has not created the endpoint of the private endpoint rule for ${each.value.hostname} yet (state CREATING, no vpc_endpoint_id; this can take minutes). Run terraform apply again once the rule shows a VPC endpoint (account console, Security, Networking, the NCC's private endpoint rules): the second apply reads it and accepts exactly that endpoint."
    }
  }
}

# Binding a new NCC needs the explicit opt-in (the variable's validation says why);
# the count repeats the rule so the binding can never be planned without it.
resource "databricks_mws_ncc_binding" "this" {
  count    = var.workspace_id != null && (var.network_connectivity_config_id != null || var.bind_new_ncc_to_workspace) ? 1 : 0
  provider = databricks.account

  network_connectivity_config_id = local.ncc_id
  workspace_id                   = var.workspace_id
}

locals {
  databricks_role_name = "${var.prefix}-databricks-msk"

  # Built from parts rather than aws_iam_role.databricks.arn, which would make
  # the role's trust policy depend on the role itself (a cycle).
  databricks_role_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${local.databricks_role_name}"

  external_id_condition = {
    StringEquals = { "sts:ExternalId" = var.databricks_external_id }
  }
}

# The Unity Catalog service credential: Databricks' UC master role assumes
# this role (confused-deputy guarded by the external ID), and Databricks
# requires the role to be able to assume itself. The self statement names the
# account root and narrows it to this role with aws:PrincipalArn: IAM rejects
# a role ARN as Principal while that role does not exist yet, i.e. at create.
resource "aws_iam_role" "databricks" {
  name                 = local.databricks_role_name
  description          = "Databricks Unity Catalog service credential for MSK ${local.cluster_name} (IAM auth)"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "DatabricksUnityCatalog"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = var.databricks_uc_master_role_arn }
        Condition = local.external_id_condition
      },
      {
        Sid       = "ExplicitSelfRoleAssumption"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Condition = merge(local.external_id_condition, {
          ArnEquals = { "aws:PrincipalArn" = local.databricks_role_arn }
        })
      },
      ], length(var.additional_trusted_role_arns) == 0 ? [] : [
      # Test-only: lets the e2e runner assume the role exactly as Databricks
      # does, external ID included. Empty in production.
      {
        Sid       = "AdditionalTrustedRoles"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = var.additional_trusted_role_arns }
        Condition = local.external_id_condition
      },
    ])
  })

  tags = merge(local.tags, { Name = local.databricks_role_name })
}

module "access_policy" {
  source = "../msk-access-policy"

  cluster_arn        = var.cluster_arn
  topic_name_prefix  = var.topic_name_prefix
  group_name_prefix  = var.group_name_prefix
  allow_create_topic = var.allow_create_topic
}

# The trust policy's self statement names the account root, which delegates
# to the account's IAM policies: the role must also be allowed to assume
# itself here (Databricks' databricks_aws_unity_catalog_policy pairs the two).
resource "aws_iam_role_policy" "databricks_self_assume" {
  name = "self-assume"
  role = aws_iam_role.databricks.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ExplicitSelfRoleAssumption"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = local.databricks_role_arn
    }]
  })
}

resource "aws_iam_role_policy" "databricks_msk" {
  name   = "msk-data-plane"
  role   = aws_iam_role.databricks.id
  policy = module.access_policy.policy_json
}

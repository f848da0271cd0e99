# The per-broker PrivateLink layer and the Databricks role: the same module
# that serves a cluster this configuration did not create
# (terraform/modules/msk-privatelink), one implementation for both.

locals {
  # MSK numbers a new cluster's brokers 1..N, and keeps a broker's id when it
  # replaces the broker; only removing brokers leaves gaps (MSK removes the
  # brokers that hold no partitions, whatever their ids), and then the
  # operator names the ids that stay.
  broker_ids = var.broker_ids != null ? var.broker_ids : range(1, var.broker_count + 1)
}

module "privatelink" {
  source = "../msk-privatelink"

  prefix = var.prefix
  # Through a module variable, never as a reference from a data source to
  # the cluster resource: the layer reads the cluster and its brokers while
  # planning even when the cluster has changes pending, so every remaining
  # broker's target, subnet and hostname stay known.
  cluster_arn               = aws_msk_cluster.this.arn
  broker_ids                = local.broker_ids
  nodes_after_apply         = data.aws_msk_broker_nodes.after_apply.node_info_list
  vpc_id                    = aws_vpc.this.id
  cluster_security_group_id = aws_security_group.broker.id

  nlb_zones                = var.nlb_zones
  supported_regions        = var.supported_regions
  operator_cidrs           = var.operator_cidrs
  allowed_principals       = var.allowed_principals
  acceptance_required      = var.acceptance_required
  tcp_idle_timeout_seconds = var.tcp_idle_timeout_seconds

  databricks_external_id        = var.databricks_external_id
  databricks_uc_master_role_arn = var.databricks_uc_master_role_arn
  additional_trusted_role_arns  = var.additional_trusted_role_arns
  topic_name_prefix             = var.topic_name_prefix
  group_name_prefix             = var.group_name_prefix
  allow_create_topic            = var.allow_create_topic

  healer_lambda_zip_path       = var.healer_lambda_zip_path
  healer_schedule_rate_minutes = var.healer_schedule_rate_minutes
  healer_sns_topic_enabled     = var.healer_sns_topic_enabled

  # The greenfield's own Module tag (the layer's default names itself).
  tags = local.tags
}

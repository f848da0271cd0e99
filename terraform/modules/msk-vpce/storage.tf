# Storage: MSK only grows a broker's volume (never shrinks it), by at least
# 10 GiB a step, up to 16 TiB. With storage autoscaling (optional), AWS
# Application Auto Scaling grows the volumes as they fill; the cluster's
# configured size then follows what MSK has (max of ebs_volume_size and the
# current size), so a plan never tries to shrink what autoscaling grew.

locals {
  storage_autoscaling = var.storage_autoscaling_max_gib != null

  # The current size, only needed with autoscaling. Found through the
  # cluster's Name tag, not through the cluster resource (which would make
  # the cluster's own size depend on itself): empty while the cluster does
  # not exist yet.
  observed_volume_size = try(one(one(one(one(data.aws_msk_cluster.observed).broker_node_group_info).storage_info).ebs_storage_info).volume_size, 0)

  volume_size = local.storage_autoscaling ? max(var.ebs_volume_size, local.observed_volume_size) : var.ebs_volume_size
}

data "aws_resourcegroupstaggingapi_resources" "cluster" {
  count = local.storage_autoscaling ? 1 : 0

  resource_type_filters = ["kafka:cluster"]

  tag_filter {
    key    = "Name"
    values = ["${var.prefix}-msk"]
  }
}

data "aws_msk_cluster" "observed" {
  count = local.storage_autoscaling ? min(1, length(data.aws_resourcegroupstaggingapi_resources.cluster[0].resource_tag_mapping_list)) : 0

  cluster_name = "${var.prefix}-msk"
}

resource "aws_appautoscaling_target" "storage" {
  count = local.storage_autoscaling ? 1 : 0

  service_namespace  = "kafka"
  scalable_dimension = "kafka:broker-storage:VolumeSize"
  resource_id        = aws_msk_cluster.this.arn
  # MSK storage only scales out; the minimum is a formality.
  min_capacity = 1
  max_capacity = var.storage_autoscaling_max_gib

  tags = local.tags
}

resource "aws_appautoscaling_policy" "storage" {
  count = local.storage_autoscaling ? 1 : 0

  name               = "${var.prefix}-msk-storage"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.storage[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.storage[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.storage[0].resource_id

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "KafkaBrokerStorageUtilization"
    }

    target_value = var.storage_autoscaling_target_utilization
    # MSK cannot shrink a volume.
    disable_scale_in = true
  }
}

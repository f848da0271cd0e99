resource "aws_cloudwatch_log_group" "broker" {
  # Under /aws/vendedlogs/: CloudWatch then grants MSK's log delivery without
  # growing the account's 5,120-character log resource policy.
  name              = "/aws/vendedlogs/msk/${var.prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = local.tags
}

resource "aws_msk_configuration" "this" {
  # A name no replacement can collide with: create_before_destroy creates the
  # new configuration while the old one still holds its name, whatever forces
  # the replacement (a Kafka version upgrade, -replace). A random part makes
  # each create's name new; ignore_changes keeps an existing configuration's
  # name (a new one at every plan would replace it).
  name           = "${var.prefix}-kafka-${replace(var.kafka_version, ".", "-")}-${substr(uuid(), 0, 8)}"
  description    = "mskvpce: RF 3, min ISR 2, topics created deliberately"
  kafka_versions = [var.kafka_version]

  server_properties = <<-PROPERTIES
    auto.create.topics.enable=${var.auto_create_topics}
    default.replication.factor=3
    min.insync.replicas=2
    num.partitions=3
    unclean.leader.election.enable=false
  PROPERTIES

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [name]
  }
}

resource "aws_msk_cluster" "this" {
  cluster_name           = "${var.prefix}-msk"
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = aws_subnet.private[*].id
    security_groups = [aws_security_group.broker.id]

    storage_info {
      ebs_storage_info {
        volume_size = local.volume_size
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  # IAM is the only way in: no unauthenticated access, no SCRAM, no mTLS.
  client_authentication {
    unauthenticated = false

    sasl {
      iam   = true
      scram = false
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = var.encryption_at_rest_kms_key_arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.broker.name
      }
    }
  }

  tags = merge(local.tags, { Name = "${var.prefix}-msk" })
}


# The brokers once this apply's change to the cluster is done. It refers to
# the cluster resource directly, so while the cluster has changes pending
# Terraform reads it during apply, after the change: it gives the brokers
# that the change adds (broker_count 3 -> 6) their addresses in the same
# apply. Brokers that exist already come from the layer's own read while
# planning, and stay known.
data "aws_msk_broker_nodes" "after_apply" {
  cluster_arn = aws_msk_cluster.this.arn

  lifecycle {
    postcondition {
      condition     = length(self.node_info_list) == var.broker_count
      error_message = "MSK reports ${length(self.node_info_list)} broker nodes but broker_count is ${var.broker_count}: wait for the cluster to finish updating, then plan again."
    }
  }
}

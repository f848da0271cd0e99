resource "aws_cloudwatch_log_group" "broker" {
  # Under /aws/vendedlogs/: CloudWatch then grants MSK's log delivery without
  # growing the account's 5,120-character log resource policy.
  name              = "/aws/vendedlogs/msk/${var.prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = local.tags
}

resource "aws_msk_configuration" "this" {
  name           = "${var.prefix}-kafka-${replace(var.kafka_version, ".", "-")}"
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
        volume_size = var.ebs_volume_size
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

# The broker list comes from the cluster itself, never from splitting the
# bootstrap string by position (its order is not the broker order, and a
# hostname says nothing about the client IP or subnet).
data "aws_msk_broker_nodes" "this" {
  cluster_arn = aws_msk_cluster.this.arn

  lifecycle {
    postcondition {
      condition     = length(self.node_info_list) == var.broker_count
      error_message = "MSK reports ${length(self.node_info_list)} broker nodes but broker_count is ${var.broker_count}; wait for the cluster to finish updating, then re-apply."
    }
  }
}

locals {
  # Keyed by zero-padded broker id, so the values come out sorted by id
  # (Terraform iterates maps in key order): broker 1, 2, 3, ... 10, 11.
  brokers_by_id = {
    for node in data.aws_msk_broker_nodes.this.node_info_list :
    format("%05d", node.broker_id) => node
  }
  brokers = [for key in sort(keys(local.brokers_by_id)) : local.brokers_by_id[key]]

  subnet_az = { for s in aws_subnet.private : s.id => s.availability_zone }
}

# Two security groups, every rule a separate resource with a description:
#
#   operators (optional CIDRs) --9098--> [nlb SG] --9098--> [broker SG]
#   PrivateLink consumers     --9098--> NLB (not filtered by the SG, see nlb.tf)
#
# Nothing accepts 0.0.0.0/0, and the brokers accept only the NLBs.

resource "aws_security_group" "broker" {
  # name_prefix: create_before_destroy creates the replacement while the old
  # group still holds its name.
  name_prefix = "${var.prefix}-msk-brokers-"
  description = "MSK broker ENIs: SASL/IAM on 9098 from the per-broker NLBs only"
  vpc_id      = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${var.prefix}-msk-brokers" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "nlb" {
  name_prefix = "${var.prefix}-nlb-"
  description = "Per-broker NLBs: 9098 from operator CIDRs; PrivateLink traffic is not SG-filtered"
  vpc_id      = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${var.prefix}-nlb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "broker_from_nlb" {
  security_group_id            = aws_security_group.broker.id
  description                  = "Kafka SASL/IAM (TLS) from the per-broker NLBs"
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_iam_port
  to_port                      = local.kafka_iam_port
  referenced_security_group_id = aws_security_group.nlb.id

  tags = merge(local.tags, { Name = "${var.prefix}-broker-from-nlb" })
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_broker" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "Forward Kafka SASL/IAM and TCP health checks to the brokers"
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_iam_port
  to_port                      = local.kafka_iam_port
  referenced_security_group_id = aws_security_group.broker.id

  tags = merge(local.tags, { Name = "${var.prefix}-nlb-to-broker" })
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_operator" {
  for_each = toset(var.operator_cidrs)

  security_group_id = aws_security_group.nlb.id
  description       = "Kafka SASL/IAM from operator CIDR ${each.value} (in-VPC verification)"
  ip_protocol       = "tcp"
  from_port         = local.kafka_iam_port
  to_port           = local.kafka_iam_port
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null

  tags = merge(local.tags, { Name = "${var.prefix}-nlb-from-operator" })
}

# One internal NLB per broker. A Kafka client bootstraps, then connects to
# the broker that leads each partition by the hostname that broker
# advertises, so every broker needs its own path: NLB <id> -> broker <id>.
#
# Every per-broker resource is keyed by the broker id (never by position):
# adding or removing a broker touches that broker's resources only, and a
# broker keeps its resources whatever happens to the others.

resource "aws_lb" "broker" {
  for_each = local.brokers

  name               = "${var.prefix}-nlb-${each.key}"
  internal           = true
  load_balancer_type = "network"
  # nlb_zones = "broker": only its broker's subnet, so the endpoint service is
  # offered in that zone only. "all": every subnet of the cluster, and
  # cross-zone on, or the nodes of the zones without the target would have
  # nowhere to send (an empty zone counts as unhealthy). See the README,
  # "Availability zones".
  subnets         = var.nlb_zones == "all" ? local.cluster_subnet_ids : [each.value.subnet]
  security_groups = [aws_security_group.nlb.id]

  # Broker affinity either way: the NLB only ever forwards to its one broker.
  enable_cross_zone_load_balancing = var.nlb_zones == "all"

  # "off", deliberately. PrivateLink consumers (the Databricks serverless
  # endpoints) reach the NLB from addresses we neither own nor know, so a
  # security-group rule cannot name them and "on" would drop their traffic.
  # Who may connect over PrivateLink is decided by the endpoint service's
  # allowed principals plus connection acceptance; the NLB security group
  # still filters every non-PrivateLink source (only operator_cidrs get in).
  enforce_security_group_inbound_rules_on_private_link_traffic = "off"

  tags = merge(local.tags, {
    Name     = "${var.prefix}-nlb-${each.key}"
    BrokerId = each.key
  })

  lifecycle {
    precondition {
      condition     = local.node[each.key] != null
      error_message = "MSK reports no broker ${each.key} on ${var.cluster_arn} (it reports ${join(", ", [for k in local.reported_keys : k])}): MSK removed it, or it was never there. Set broker_ids to the ids that MSK reports (only a broker that exists can have a path)."
    }

    precondition {
      condition     = length("${var.prefix}-nlb-${each.key}") <= 32
      error_message = "The NLB name ${var.prefix}-nlb-${each.key} is longer than the 32 characters AWS allows: use a shorter prefix."
    }
  }
}

resource "aws_lb_target_group" "broker" {
  for_each = local.brokers

  # create_before_destroy needs a new name for every new group, whatever forces
  # the replacement (a changed attribute, -replace, a taint): CreateTargetGroup
  # with an existing name fails (DuplicateTargetGroupName) or, with the same
  # settings, returns the existing group, which the destroy half then deletes.
  # So the provider generates the name: name_prefix plus a 26-character unique
  # suffix, which leaves AWS's 32-character limit 6 for the prefix: up to 5
  # characters of var.prefix and the broker id, e.g. "test1-". The Name tag
  # keeps the readable <prefix>-tg-<id>.
  name_prefix = "${substr(var.prefix, 0, max(0, 5 - length(each.key)))}${each.key}-"
  vpc_id      = local.vpc_id
  target_type = "ip"
  protocol    = "TCP"
  port        = local.kafka_iam_port

  # The cluster security group admits the NLB security group; with client IP
  # preservation the brokers would see consumer addresses instead and drop them.
  preserve_client_ip = false

  health_check {
    enabled  = true
    protocol = "TCP"
    port     = "traffic-port"
    interval = 10
    # Explicit: NLB TCP checks accept 2-120 s, and it must stay below interval.
    timeout             = 5
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }

  tags = merge(local.tags, {
    Name     = "${var.prefix}-tg-${each.key}"
    BrokerId = each.key
  })

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = length(each.key) <= 5
      error_message = "Broker id ${each.key} does not fit a target group name_prefix (6 characters, ending in \"-\")."
    }
  }
}

# The broker's client address, as MSK reports it when Terraform plans. If MSK
# moves a broker to a new address, the next plan re-points this attachment
# (or the healer did it already; Terraform then agrees). Terraform's default
# replacement (deregister, then register) on purpose: create_before_destroy
# with an unchanged target (-replace, a taint) would deregister the only
# target at the end.
resource "aws_lb_target_group_attachment" "broker" {
  for_each = local.brokers

  target_group_arn = aws_lb_target_group.broker[each.key].arn
  target_id        = each.value.ip
  port             = local.kafka_iam_port
}

resource "aws_lb_listener" "broker" {
  for_each = local.brokers

  load_balancer_arn = aws_lb.broker[each.key].arn
  protocol          = "TCP"
  port              = local.kafka_iam_port

  # Above the Kafka clients' connections.max.idle.ms (540 s by default), so
  # the NLB never resets a connection the client still holds (its default
  # is 350 s). See var.tcp_idle_timeout_seconds.
  tcp_idle_timeout_seconds = var.tcp_idle_timeout_seconds

  # TCP pass-through: TLS is end-to-end between the client and the broker,
  # whose certificate names the broker hostname the client dialled.
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.broker[each.key].arn
  }

  tags = local.tags
}

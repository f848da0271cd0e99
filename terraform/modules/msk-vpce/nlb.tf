# One internal NLB per broker. Kafka clients bootstrap, then connect to the
# broker that leads each partition by its advertised hostname, so every
# broker needs its own path: NLB i -> broker i only.
#
# Why `count = var.broker_count` and not `count = length(local.brokers)`:
# on the first apply the cluster does not exist yet, so the broker list is
# unknown at plan time and Terraform cannot count it. broker_count is known
# at plan time and equals the number of nodes (checked by the postcondition
# on data.aws_msk_broker_nodes.this). The attributes of element i (subnet,
# client IP) come from the data source, sorted by broker id, and are simply
# "known after apply" on the first plan.

resource "aws_lb" "broker" {
  count = var.broker_count

  # count.index + 1 (not the broker id) keeps names known at plan time; with
  # the sorted list, NLB n fronts the n-th broker by id, i.e. broker n on MSK.
  name               = "${var.prefix}-nlb-${count.index + 1}"
  internal           = true
  load_balancer_type = "network"
  # nlb_zones = "broker": only its broker's subnet, so the endpoint service is
  # offered in that zone only. "all": every private subnet, and cross-zone on,
  # or the nodes of the zones without the target would have nowhere to send
  # (an empty zone counts as unhealthy). See the README, "Availability zones".
  subnets         = var.nlb_zones == "all" ? aws_subnet.private[*].id : [local.brokers[count.index].client_subnet]
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
    Name     = "${var.prefix}-nlb-${count.index + 1}"
    BrokerId = tostring(local.brokers[count.index].broker_id)
  })
}

resource "aws_lb_target_group" "broker" {
  count = var.broker_count

  # create_before_destroy needs a new name for every new group, whatever forces
  # the replacement (a changed attribute, -replace, a taint): CreateTargetGroup
  # with an existing name fails (DuplicateTargetGroupName) or, with the same
  # settings, returns the existing group, which the destroy half then deletes.
  # So the provider generates the name: name_prefix plus a 26-character unique
  # suffix, which leaves AWS's 32-character limit 6 for the prefix: up to 5
  # characters of var.prefix and the broker number, e.g. "test1-". The Name tag
  # keeps the readable <prefix>-tg-<n>.
  name_prefix = "${substr(var.prefix, 0, 5 - length(tostring(count.index + 1)))}${count.index + 1}-"
  vpc_id      = aws_vpc.this.id
  target_type = "ip"
  protocol    = "TCP"
  port        = local.kafka_iam_port

  # The broker security group admits the NLB security group; with client IP
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
    Name     = "${var.prefix}-tg-${count.index + 1}"
    BrokerId = tostring(local.brokers[count.index].broker_id)
  })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_target_group_attachment" "broker" {
  count = var.broker_count

  target_group_arn = aws_lb_target_group.broker[count.index].arn
  target_id        = local.brokers[count.index].client_vpc_ip_address
  port             = local.kafka_iam_port
}

resource "aws_lb_listener" "broker" {
  count = var.broker_count

  load_balancer_arn = aws_lb.broker[count.index].arn
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
    target_group_arn = aws_lb_target_group.broker[count.index].arn
  }

  tags = local.tags
}

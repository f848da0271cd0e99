# Every rule a separate resource with a description:
#
#   operators (optional CIDRs) --9098--> [nlb SG] --9098--> [cluster SG]
#   PrivateLink consumers     --9098--> NLB (not filtered by the SG, see nlb.tf)
#
# Nothing accepts 0.0.0.0/0, and the cluster's security group gains exactly
# one rule: 9098 from the NLB security group.

resource "aws_security_group" "nlb" {
  # name_prefix: create_before_destroy creates the replacement while the old
  # group still holds its name.
  name_prefix = "${var.prefix}-nlb-"
  description = "Per-broker NLBs: 9098 from operator CIDRs; PrivateLink traffic is not SG-filtered"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.prefix}-nlb" })

  lifecycle {
    create_before_destroy = true

    # What this module needs of the cluster, said before anything is built.
    precondition {
      condition     = local.cluster_region == data.aws_region.current.region
      error_message = "The cluster is in ${local.cluster_region} but the aws provider is configured for ${data.aws_region.current.region}: NLBs and endpoint services must be in the cluster's region. Configure the provider for ${local.cluster_region} (consumers in other regions: supported_regions)."
    }

    precondition {
      condition     = data.aws_msk_cluster.this.arn == var.cluster_arn
      error_message = "The MSK cluster named ${local.cluster_name} is ${data.aws_msk_cluster.this.arn}, not cluster_arn (${var.cluster_arn}): was the cluster deleted and created again? Pass the current ARN."
    }

    precondition {
      condition     = length(data.aws_msk_cluster.this.broker_node_group_info) > 0
      error_message = "${var.cluster_arn} has no broker nodes of its own: MSK Serverless clusters have no per-broker addresses, so there is nothing to put one NLB in front of. Databricks serverless reaches MSK Serverless through a single managed VPC connection or interface endpoint; this module is for provisioned clusters (Standard or Express brokers)."
    }

    precondition {
      condition     = data.aws_msk_cluster.this.bootstrap_brokers_sasl_iam != ""
      error_message = "IAM authentication is not enabled on ${var.cluster_arn}: it has no SASL/IAM listener on 9098, and Databricks serverless authenticates with AWS_MSK_IAM. Turn it on (console: Properties, Security settings; or aws kafka update-security --client-authentication Sasl={Iam={Enabled=true}}), wait for the update, then plan again."
    }

    precondition {
      condition     = length(distinct([for s in data.aws_subnet.broker : s.vpc_id])) <= 1 && alltrue([for s in data.aws_subnet.broker : s.vpc_id == local.vpc_id])
      error_message = "The brokers of ${var.cluster_arn} are not all in one VPC (${var.vpc_id != null ? "vpc_id = ${var.vpc_id}" : "their client subnets disagree"}): the NLBs must sit in the cluster's VPC."
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_broker" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "Forward Kafka SASL/IAM and TCP health checks to the brokers"
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_iam_port
  to_port                      = local.kafka_iam_port
  referenced_security_group_id = local.cluster_security_group_id

  tags = merge(local.tags, { Name = "${var.prefix}-nlb-to-broker" })
}

# The one rule this module adds to the cluster's security group. Without it
# (manage_cluster_security_group_rule = false) the check below names the
# rule to add.
resource "aws_vpc_security_group_ingress_rule" "broker_from_nlb" {
  count = var.manage_cluster_security_group_rule ? 1 : 0

  security_group_id            = local.cluster_security_group_id
  description                  = "Kafka SASL/IAM (TLS) from the per-broker NLBs"
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_iam_port
  to_port                      = local.kafka_iam_port
  referenced_security_group_id = aws_security_group.nlb.id

  tags = merge(local.tags, { Name = "${var.prefix}-broker-from-nlb" })

  lifecycle {
    precondition {
      condition     = contains(local.cluster_security_group_ids, local.cluster_security_group_id)
      error_message = "cluster_security_group_id ${local.cluster_security_group_id} is not one of the brokers' security groups (${join(", ", local.cluster_security_group_ids)})."
    }
  }
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

# When the cluster's security group is not this module's to change, someone
# must add the rule by hand; this says which, at every plan, until it exists.
data "aws_vpc_security_group_rules" "cluster_ingress" {
  count = var.manage_cluster_security_group_rule ? 0 : 1

  filter {
    name   = "group-id"
    values = [local.cluster_security_group_id]
  }
}

data "aws_vpc_security_group_rule" "cluster_ingress" {
  for_each = toset(var.manage_cluster_security_group_rule ? [] : try(data.aws_vpc_security_group_rules.cluster_ingress[0].ids, []))

  security_group_rule_id = each.value
}

locals {
  cluster_rule_command = "aws ec2 authorize-security-group-ingress --region ${local.cluster_region} --group-id ${local.cluster_security_group_id} --ip-permissions 'IpProtocol=tcp,FromPort=${local.kafka_iam_port},ToPort=${local.kafka_iam_port},UserIdGroupPairs=[{GroupId=${aws_security_group.nlb.id},Description=\"Kafka SASL/IAM from the mskvpce per-broker NLBs\"}]'"

  # A rule that lets the NLBs in: TCP (or all traffic) covering 9098, from
  # the NLB security group.
  cluster_admits_nlbs = var.manage_cluster_security_group_rule || anytrue([
    for r in data.aws_vpc_security_group_rule.cluster_ingress : (
      !r.is_egress && r.referenced_security_group_id == aws_security_group.nlb.id &&
      (r.ip_protocol == "-1" || (r.ip_protocol == "tcp" && r.from_port <= local.kafka_iam_port && r.to_port >= local.kafka_iam_port))
    )
  ])
}

check "cluster_security_group_admits_nlbs" {
  assert {
    condition     = local.cluster_admits_nlbs
    error_message = "The cluster's security group ${local.cluster_security_group_id} does not admit the NLBs on ${local.kafka_iam_port}, and manage_cluster_security_group_rule is false: no broker path can work until it does. Add this rule (then plan again; this warning goes away):\n  ${local.cluster_rule_command}"
  }
}

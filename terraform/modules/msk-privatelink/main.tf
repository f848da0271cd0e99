data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  # Kafka's SASL/IAM listener on MSK, and the port of every NLB listener.
  kafka_iam_port = 9098

  # arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>
  cluster_arn_parts = split(":", var.cluster_arn)
  cluster_region    = local.cluster_arn_parts[3]
  cluster_name      = split("/", local.cluster_arn_parts[5])[1]
  cluster_uuid      = split("/", local.cluster_arn_parts[5])[2]

  tags = merge({ Module = "mskvpce/msk-privatelink" }, var.tags)
}

# The cluster and its brokers as they are now. Both reads name the cluster
# through var.cluster_arn, never through a managed resource, so Terraform
# reads them while it plans even when the caller's cluster has changes
# pending (a data source that refers to a managed resource with pending
# changes is deferred to apply, and everything derived from it becomes
# unknown: every target, subnet and hostname, and with them replacements).
# Only while the cluster is being created is the ARN, and so this, unknown.
#
# No data source here carries a pre- or postcondition: Terraform defers a
# data source with conditions whenever anything it depends on, however
# indirectly (the caller's cluster, its log group), has a change pending.
# The checks are preconditions of aws_security_group.nlb and aws_lb.broker.
data "aws_msk_cluster" "this" {
  cluster_name = local.cluster_name
}

data "aws_msk_broker_nodes" "this" {
  cluster_arn = var.cluster_arn
}

locals {
  # MSK's brokers now, by broker id, in one shape with the caller's
  # after-apply read.
  nodes_now = {
    for n in data.aws_msk_broker_nodes.this.node_info_list : tostring(n.broker_id) => {
      ip = n.client_vpc_ip_address, subnet = n.client_subnet, endpoints = n.endpoints
    }
  }
  nodes_after = {
    for n in coalesce(var.nodes_after_apply, []) : tostring(n.broker_id) => {
      ip = n.client_vpc_ip_address, subnet = n.client_subnet, endpoints = n.endpoints
    }
  }

  # The brokers this layer serves: the ids MSK reports, or, for a cluster
  # created in the same configuration, the ids the caller names (the keys
  # must be known while the cluster is still being created).
  broker_keys = var.broker_ids != null ? toset([for id in var.broker_ids : tostring(id)]) : toset(keys(local.nodes_now))

  # Each broker's node: as MSK reports it now (known on every plan of an
  # existing cluster), else as the caller read it after this apply's change
  # to the cluster (a broker that the change adds), else null (refused by
  # the precondition on data.aws_subnet.broker, with the fix).
  node = {
    for k in local.broker_keys : k => (contains(keys(local.nodes_now), k) ? local.nodes_now[k] : lookup(local.nodes_after, k, null))
  }

  brokers = {
    for k in local.broker_keys : k => {
      broker_id = tonumber(k)
      ip        = try(local.node[k].ip, null)
      subnet    = try(local.node[k].subnet, null)
      # A node has one endpoint (its hostname) unless public access is on;
      # sorting makes the choice stable.
      hostname = try(lower(sort(local.node[k].endpoints)[0]), null)
    }
  }

  # Sorted by broker id as a number (keys sort as strings: 1, 10, 2).
  sorted_keys = [for padded in sort([for k in local.broker_keys : format("%05d", tonumber(k))]) : tostring(tonumber(padded))]

  # Empty for MSK Serverless (no broker nodes): refused by the preconditions.
  cluster_subnet_ids         = sort(tolist(try(one(data.aws_msk_cluster.this.broker_node_group_info).client_subnets, [])))
  cluster_security_group_ids = sort(tolist(try(one(data.aws_msk_cluster.this.broker_node_group_info).security_groups, [])))
  cluster_security_group_id  = var.cluster_security_group_id != null ? var.cluster_security_group_id : try(local.cluster_security_group_ids[0], null)
}

# Where each broker sits: its client subnet's VPC and zone. A broker MSK does
# not report (refused by aws_lb.broker's precondition, with the fix) reads
# one of the cluster's subnets instead, so the plan gets as far as saying so.
data "aws_subnet" "broker" {
  for_each = local.broker_keys

  id = coalesce(local.brokers[each.key].subnet, try(local.cluster_subnet_ids[0], null))
}

locals {
  vpc_id = var.vpc_id != null ? var.vpc_id : try(data.aws_subnet.broker[local.sorted_keys[0]].vpc_id, null)
}

locals {
  # Every hostname a consumer dials: each broker's own, and the cluster's
  # bootstrap hostnames. On Standard brokers every bootstrap hostname is a
  # broker's; Express brokers bootstrap through boot-... names that are no
  # broker's, so each is given to exactly one broker's rule (spread in id
  # order), where a consumer's DNS resolves it to that broker's endpoint.
  bootstrap_hosts = [for hp in split(",", data.aws_msk_cluster.this.bootstrap_brokers_sasl_iam) : lower(split(":", trimspace(hp))[0]) if trimspace(hp) != ""]
  # A broker's hostname, whether or not this layer serves it (a broker being
  # removed is still in the bootstrap string until MSK has removed it: its
  # name must not move to another broker's rule meanwhile).
  broker_hostnames = concat(
    [for k in local.sorted_keys : local.brokers[k].hostname],
    flatten([for n in values(local.nodes_now) : [for e in n.endpoints : lower(e)]]),
  )
  extra_bootstrap = sort([for h in local.bootstrap_hosts : h if !contains(local.broker_hostnames, h)])
  domain_names = {
    for i, k in local.sorted_keys : k => concat(
      [local.brokers[k].hostname],
      [for j, h in local.extra_bootstrap : h if j % length(local.sorted_keys) == i],
    )
  }
}

locals {
  reported_keys = [for padded in sort([for k in keys(local.nodes_now) : format("%05d", tonumber(k))]) : tostring(tonumber(padded))]
}

# A consumer-side canary: the verifier as a Lambda in a consumer VPC that
# reaches each broker the way Databricks serverless does, through that
# broker's own endpoint service, by the broker's hostname (a private hosted
# zone does what an NCC rule's domain_names does), as the Databricks role
# assumed with the external ID. Promoted from test/fixtures/consumer.

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  brokers = { for b in var.brokers : tostring(b.broker_id) => b }

  own_vpc = length(var.subnet_ids) == 0

  # b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com -> the cluster's domain.
  first_host     = split(".", lower(var.brokers[0].hostname))
  cluster_domain = join(".", slice(local.first_host, 1, length(local.first_host)))

  bootstrap = [for hp in split(",", var.bootstrap_brokers) : trimspace(hp)]

  # Every name the consumer dials: the brokers' hostnames, which include
  # every bootstrap host (checked on var.bootstrap_brokers).
  dns_names = sort([for b in var.brokers : lower(b.hostname)])

  tags = merge(var.tags, { Component = "mskvpce-verify-canary" })

  function_name = "${var.prefix}-verify-canary"
}

# AZ names differ between accounts, AZ IDs do not: an endpoint must sit in
# the zone ID its service's NLB is in. Lookups only for brokers whose
# zone_id is not given.
data "aws_vpc_endpoint_service" "broker" {
  for_each = { for k, b in local.brokers : k => b if b.zone_id == null }

  service_name = each.value.endpoint_service_name
}

data "aws_availability_zones" "all" {
  count = length(data.aws_vpc_endpoint_service.broker) > 0 ? 1 : 0

  all_availability_zones = true
}

locals {
  az_name_to_id = length(data.aws_availability_zones.all) > 0 ? zipmap(data.aws_availability_zones.all[0].names, data.aws_availability_zones.all[0].zone_ids) : {}

  broker_zone_ids = {
    for k, b in local.brokers : k => (
      b.zone_id != null ? [b.zone_id] : sort([for n in data.aws_vpc_endpoint_service.broker[k].availability_zones : local.az_name_to_id[n]])
    )
  }

  zone_ids = sort(distinct(flatten(values(local.broker_zone_ids))))
}

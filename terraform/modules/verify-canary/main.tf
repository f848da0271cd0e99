# A consumer-side canary: the verifier as a Lambda in a consumer VPC that
# reaches each broker the way Databricks serverless does, through that
# broker's own endpoint service, by the broker's hostname (a private hosted
# zone does what an NCC rule's domain_names does), as the Databricks role
# assumed with the external ID. The nightly e2e deploys it through the
# example, as operators do.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  own_vpc = length(var.subnet_ids) == 0

  # Keyed by broker id: adding or removing a broker touches only its own
  # endpoint, acceptance, record and alarm.
  brokers = { for b in var.brokers : tostring(b.broker_id) => b }

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
# the zone ID its service's NLB is in. Every service is looked up (this also
# proves the canary's account may see it); a broker's zone_id, when given,
# wins over the lookup.
data "aws_vpc_endpoint_service" "broker" {
  for_each = local.brokers

  service_name = each.value.endpoint_service_name
}

data "aws_availability_zones" "all" {
  all_availability_zones = true
}

locals {
  az_name_to_id = zipmap(data.aws_availability_zones.all.names, data.aws_availability_zones.all.zone_ids)

  # Per broker id, the zone IDs its endpoint may use.
  broker_zone_ids = {
    for k, b in local.brokers : k => (
      b.zone_id != null ? [b.zone_id] : sort([for n in data.aws_vpc_endpoint_service.broker[k].availability_zones : lookup(local.az_name_to_id, n, "unmapped:${n}")])
    )
  }

  # Where the canary's own subnets go. var.zone_ids keeps this known at plan
  # when the brokers' zones are not (the same apply as the cluster).
  zone_ids = length(var.zone_ids) > 0 ? sort(distinct(var.zone_ids)) : sort(distinct(flatten(values(local.broker_zone_ids))))
}

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

  # Per broker id, every name the zone maps to its endpoint, as its NCC
  # rule's domain_names: its own hostname first (checked on var.brokers),
  # then the names given to it (an Express cluster's boot-... hosts).
  domain_names = { for k, b in local.brokers : k => [for n in coalesce(b.domain_names, [b.hostname]) : lower(n)] }

  # The names beyond the brokers' own hostnames, to the broker each belongs
  # to. Taken by position, so a broker whose domain_names is [hostname] adds
  # no key even while its hostname is unknown.
  other_names = merge([for k, names in local.domain_names : { for n in slice(names, 1, length(names)) : n => k }]...)

  # The bootstrap hosts some broker's domain names cover, in the order
  # given: the canary reaches only names its zone maps to an endpoint. A
  # host no broker covers is left out: a broker being removed, which MSK
  # lists in the bootstrap string until it is gone (refused only when no
  # host is left: lambda.tf).
  bootstrap_hosts = [for hp in split(",", var.bootstrap_brokers) : lower(split(":", trimspace(hp))[0])]
  bootstrap       = distinct([for h in local.bootstrap_hosts : h if contains(local.dns_names, h)])

  # Every name the zone maps: every broker's domain names.
  dns_names = sort(flatten(values(local.domain_names)))

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

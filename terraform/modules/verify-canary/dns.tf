# What an NCC rule's domain_names does for serverless: each broker's domain
# names (its own hostname, and the bootstrap hosts given to it) resolve to
# that broker's endpoint, so TLS still sees the name the client dialed.
resource "aws_route53_zone" "cluster" {
  name          = local.cluster_domain
  comment       = "mskvpce verify canary: broker hostnames to their interface endpoints"
  force_destroy = true

  vpc {
    vpc_id = local.vpc_id
  }

  tags = local.tags
}

resource "aws_route53_record" "broker" {
  for_each = local.brokers

  zone_id = aws_route53_zone.cluster.zone_id
  name    = lower(each.value.hostname)
  type    = "A"

  alias {
    name                   = aws_vpc_endpoint.broker[each.key].dns_entry[0].dns_name
    zone_id                = aws_vpc_endpoint.broker[each.key].dns_entry[0].hosted_zone_id
    evaluate_target_health = false
  }
}

# Every other domain name (an Express cluster's boot-... bootstrap hosts),
# keyed by the name, to the endpoint of the broker it was given to. The
# broker's own hostname keeps aws_route53_record.broker["<id>"].
resource "aws_route53_record" "domain" {
  for_each = local.other_names

  zone_id = aws_route53_zone.cluster.zone_id
  name    = each.key
  type    = "A"

  alias {
    name                   = aws_vpc_endpoint.broker[each.value].dns_entry[0].dns_name
    zone_id                = aws_vpc_endpoint.broker[each.value].dns_entry[0].hosted_zone_id
    evaluate_target_health = false
  }
}

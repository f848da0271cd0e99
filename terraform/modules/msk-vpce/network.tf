data "aws_availability_zones" "available" {
  state            = "available"
  exclude_zone_ids = var.excluded_availability_zone_ids

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) >= local.az_count
      error_message = "The region needs at least ${local.az_count} available availability zones outside excluded_availability_zone_ids for the MSK brokers."
    }
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, local.az_count)
}

# No flow logs by default: the VPC holds only the MSK broker ENIs and the NLBs,
# Kafka access is authenticated and authorised per request by IAM, and broker
# logs already go to CloudWatch. Add an aws_flow_log next to this module where
# network forensics are required.
#trivy:ignore:AVD-AWS-0178 flow logs are an operator choice for this private, IAM-authenticated VPC (see comment above)
resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = "${var.prefix}-vpc" })
}

# Private subnets only: no internet gateway, no NAT gateway, no public IPs.
# Brokers, NLBs and endpoint services never need the internet.
resource "aws_subnet" "private" {
  count = local.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.cidr_block, 2, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.prefix}-private-${local.azs[count.index]}" })
}

# The VPC's default security group is adopted and emptied so nothing can use
# its allow-all-within-group rules by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${var.prefix}-default-deny" })
}

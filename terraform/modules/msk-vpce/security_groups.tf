# The brokers' security group. It starts empty; the per-broker layer
# (module.privatelink, ../msk-privatelink) adds its one rule, 9098 from the
# NLB security group, exactly as it does for a cluster it did not create:
#
#   operators (optional CIDRs) --9098--> [nlb SG] --9098--> [broker SG]
#   PrivateLink consumers     --9098--> NLB (not filtered by the SG)

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

terraform {
  # Provider-free on purpose: no provider block, no data sources. The policy is
  # rendered with jsonencode only, so `terraform apply` works offline and the
  # local MSK-like environment can enforce the very document AWS would.
  required_version = ">= 1.10"
}

# The broker-path healer (../broker-healer) inside the layer: on with a zip,
# off without, fed each broker's target group keyed by broker id.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

variables {
  prefix             = "orders"
  cluster_arn        = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
  allowed_principals = ["arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-1"]
}

# Target group ARNs as AWS shapes them (the healer checks them).
override_resource {
  target          = aws_lb_target_group.broker["1"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orde1-abc/0000000000000001" }
}

override_resource {
  target          = aws_lb_target_group.broker["2"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orde2-abc/0000000000000002" }
}

override_resource {
  target          = aws_lb_target_group.broker["3"]
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orde3-abc/0000000000000003" }
}

run "healer" {
  command = plan

  variables {
    healer_lambda_zip_path = "../broker-healer/tests/testdata/bootstrap.zip"
  }

  assert {
    condition     = output.healer.function_name == "orders-broker-healer"
    error_message = "the healer must be built when healer_lambda_zip_path is set"
  }
}

run "no_healer_without_a_zip" {
  command = plan

  assert {
    condition     = output.healer == null
    error_message = "no healer without healer_lambda_zip_path"
  }
}

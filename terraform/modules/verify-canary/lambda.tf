# The verifier as a Lambda inside the canary VPC. It assumes the Databricks
# role with the external ID, as Databricks does; that role's trust policy
# must admit this one (the role_arn output; the msk-vpce module's
# additional_trusted_role_arns).

locals {
  # The invoke payload (remoteverify.Event): the schedule sends it, and
  # on-demand callers can send it as is (the event output).
  event = {
    region          = data.aws_region.current.region
    bootstrap       = local.bootstrap
    brokers         = [for b in var.brokers : { broker_id = b.broker_id, advertised = "${lower(b.hostname)}:9098" }]
    topic           = var.topic
    role_arn        = var.msk_role_arn
    external_id     = var.external_id
    timeout_seconds = var.timeout_seconds
    sasl_mechanism  = var.sasl_mechanism
  }

  metric_namespace = "mskvpce/VerifyCanary"
}

resource "aws_iam_role" "runner" {
  name = local.function_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "runner_vpc" {
  role       = aws_iam_role.runner.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy" "runner_assume" {
  name = "assume-databricks-msk-role"
  role = aws_iam_role.runner.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = var.msk_role_arn
    }]
  })
}

resource "aws_cloudwatch_log_group" "runner" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_lambda_function" "runner" {
  function_name    = local.function_name
  description      = "mskvpce: verify every broker path through its endpoint service, as Databricks serverless"
  role             = aws_iam_role.runner.arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  timeout          = var.timeout_seconds + 30
  memory_size      = 256

  # Metrics leave as CloudWatch embedded metric format lines in the
  # function's log, so the VPC needs no monitoring endpoint and the role no
  # cloudwatch:PutMetricData.
  environment {
    variables = {
      MSKVPCE_CANARY_NAMESPACE = local.metric_namespace
      MSKVPCE_CANARY_NAME      = var.prefix
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.runner.name
  }

  vpc_config {
    subnet_ids         = local.subnet_ids
    security_group_ids = [aws_security_group.runner.id]
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy_attachment.runner_vpc]
}

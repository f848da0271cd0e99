# The verifier as a Lambda inside the canary VPC. It assumes the Databricks
# role with the external ID, as Databricks does; that role's trust policy
# must admit this one (the role_arn output; the msk-vpce module's
# additional_trusted_role_arns).

locals {
  # The function's configuration (remoteverify.ConfigFromEnv): the only
  # brokers it dials, the region whose STS it asks, the role it assumes.
  # None of it comes from an event. Every name is <label>.<cluster domain>
  # (checked on var.brokers and var.bootstrap_brokers), so names travel as
  # their first label: the brokers as "<id>=<label>", followed by
  # "+<label>" for each further domain name ("1=b-1+boot-abc"), and the
  # bootstrap hosts as labels ("b-1,b-3,boot-abc"). 30 brokers and three
  # Express boot hosts under a 63-character cluster label take about 410
  # bytes with the domain, and with the longest external ID, a long role
  # path and the longest topic the whole is about 2.6 KB of Lambda's 4 KB
  # (checked below; TestThirtyBrokersFitLambdasEnvironment).
  environment = { for k, v in {
    MSKVPCE_CANARY_NAMESPACE       = local.metric_namespace
    MSKVPCE_CANARY_NAME            = var.prefix
    MSKVPCE_CANARY_REGION          = data.aws_region.current.region
    MSKVPCE_CANARY_DOMAIN          = local.cluster_domain
    MSKVPCE_CANARY_BROKERS         = join(",", [for b in var.brokers : "${b.broker_id}=${join("+", [for n in local.domain_names[tostring(b.broker_id)] : split(".", n)[0]])}"])
    MSKVPCE_CANARY_BOOTSTRAP       = join(",", [for h in local.bootstrap : split(".", h)[0]])
    MSKVPCE_CANARY_ROLE_ARN        = var.msk_role_arn
    MSKVPCE_CANARY_EXTERNAL_ID     = var.external_id
    MSKVPCE_CANARY_TOPIC           = var.topic
    MSKVPCE_CANARY_SASL_MECHANISM  = var.sasl_mechanism
    MSKVPCE_CANARY_TIMEOUT_SECONDS = tostring(var.timeout_seconds)
  } : k => v if v != null }

  # Lambda measures the environment as its JSON.
  environment_bytes = length(jsonencode(local.environment))

  # The invoke payload (remoteverify.Event): what to check, within the
  # configuration above, never where to connect. The schedule sends it, and
  # on-demand callers can send it as is (the event output).
  event = {
    timeout_seconds = var.timeout_seconds
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

  # What the canary verifies and as whom. Its metrics leave as CloudWatch
  # embedded metric format lines in the function's log, so the VPC needs no
  # monitoring endpoint and the role no cloudwatch:PutMetricData.
  environment {
    variables = local.environment
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

  lifecycle {
    precondition {
      condition     = length(local.bootstrap) > 0
      error_message = "No host of bootstrap_brokers (${join(", ", local.bootstrap_hosts)}) is one of the brokers' domain names (${join(", ", local.dns_names)}), so the canary has nowhere to bootstrap: pass bootstrap_brokers_sasl_iam and brokers (with their domain_names) from the same deployment."
    }

    precondition {
      condition     = local.environment_bytes <= 4096
      error_message = "The canary's configuration (its Lambda environment) is ${local.environment_bytes} bytes as Lambda measures it (JSON), over Lambda's limit of 4096: shorten external_id, topic or the path of msk_role_arn, or split the brokers between two canaries."
    }
  }
}

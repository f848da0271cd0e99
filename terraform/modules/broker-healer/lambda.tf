# The healer runs outside any VPC: it calls only the AWS APIs (MSK, ELBv2),
# over their public endpoints, and needs no ENI.

locals {
  # Everything the function acts on comes from here, never from its event
  # (heallambda.ConfigFromEnv). Metrics leave as embedded metric format
  # lines in its log, so the role needs no cloudwatch:PutMetricData.
  environment = {
    MSKVPCE_HEAL_CLUSTER_ARN             = var.cluster_arn
    MSKVPCE_HEAL_PATHS                   = local.paths_env
    MSKVPCE_HEAL_NAMESPACE               = local.metric_namespace
    MSKVPCE_HEAL_NAME                    = var.prefix
    MSKVPCE_HEAL_HEALTHY_TIMEOUT_SECONDS = tostring(var.healthy_timeout_seconds)
  }

  # Lambda measures the environment as its JSON.
  environment_bytes = length(jsonencode(local.environment))
}

resource "aws_cloudwatch_log_group" "healer" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days

  tags = local.tags
}

resource "aws_lambda_function" "healer" {
  function_name    = local.function_name
  description      = "mskvpce: keep each broker's NLB target at its broker's current client address"
  role             = aws_iam_role.healer.arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  timeout          = var.healthy_timeout_seconds + 60
  memory_size      = 128

  # One run at a time: a run waiting for a new target to become healthy
  # holds the next scheduled ones off (they are dropped, not queued: see the
  # event invoke config) instead of racing it.
  reserved_concurrent_executions = 1

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.healer.name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.healer]

  lifecycle {
    precondition {
      condition     = local.environment_bytes <= 4096
      error_message = "The healer's environment is ${local.environment_bytes} bytes, more than the 4 KB Lambda allows: the brokers' target group names or hostname labels are unusually long."
    }
  }
}

# Least privilege: the target group writes on this deployment's target groups
# only; ListNodes on this cluster only; the two ELBv2 reads that take no
# resource-level scoping (DescribeTargetHealth, DescribeTags) on "*"; and the
# function's own log group.

resource "aws_iam_role" "healer" {
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

resource "aws_iam_role_policy" "healer" {
  name = "heal-broker-targets"
  role = aws_iam_role.healer.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ChangeThisDeploymentsTargets"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"]
        Resource = local.target_group_arns
      },
      {
        # These two ELBv2 actions support no resource-level permissions.
        Sid      = "ReadTargetGroups"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetHealth"]
        Resource = "*"
      },
      {
        Sid      = "ListTheClustersBrokers"
        Effect   = "Allow"
        Action   = "kafka:ListNodes"
        Resource = var.cluster_arn
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.healer.arn}:*"
      },
    ]
  })
}

locals {
  # arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>
  arn_parts = regex("^(?P<base>arn:[^:]+:kafka:[^:]+:[0-9]{12}):cluster/(?P<name>[^/]+)/(?P<uuid>[^/]+)$", var.cluster_arn)

  cluster_resource = var.cluster_arn
  topic_resource   = "${local.arn_parts.base}:topic/${local.arn_parts.name}/${local.arn_parts.uuid}/${var.topic_name_prefix}*"
  group_resource   = "${local.arn_parts.base}:group/${local.arn_parts.name}/${local.arn_parts.uuid}/${var.group_name_prefix}*"

  # Exactly what producing, consuming and describing need, per the MSK
  # "Semantics of IAM authorization policy actions and resources" table
  # (every action's required actions are included):
  #   Connect               - authenticate (required by everything else)
  #   DescribeCluster       - Metadata / DescribeCluster requests
  #   WriteDataIdempotently - InitProducerId for idempotent producers, the
  #                           default since Kafka 3.0 (KIP-679). MSK's IAM
  #                           authorizer does not infer it from WriteData.
  cluster_actions = [
    "kafka-cluster:Connect",
    "kafka-cluster:DescribeCluster",
    "kafka-cluster:WriteDataIdempotently",
  ]

  #   DescribeTopic - metadata, ListOffsets, OffsetFetch (required by Read/WriteData)
  #   ReadData      - Fetch, OffsetCommit (also needs AlterGroup on the group)
  #   WriteData     - Produce
  #   CreateTopic   - only when allow_create_topic is set
  topic_actions = concat(
    [
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
    ],
    var.allow_create_topic ? ["kafka-cluster:CreateTopic"] : [],
  )

  #   DescribeGroup - FindCoordinator, OffsetFetch, DescribeGroups
  #   AlterGroup    - JoinGroup, SyncGroup, Heartbeat, OffsetCommit, LeaveGroup
  group_actions = [
    "kafka-cluster:DescribeGroup",
    "kafka-cluster:AlterGroup",
  ]

  policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "MskClusterConnect"
        Effect   = "Allow"
        Action   = local.cluster_actions
        Resource = [local.cluster_resource]
      },
      {
        Sid      = "MskTopicReadWrite"
        Effect   = "Allow"
        Action   = local.topic_actions
        Resource = [local.topic_resource]
      },
      {
        Sid      = "MskConsumerGroups"
        Effect   = "Allow"
        Action   = local.group_actions
        Resource = [local.group_resource]
      },
    ]
  }
}

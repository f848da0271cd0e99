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
  #   WriteDataIdempotently - InitProducerId for idempotent producers, the
  #                           default since Kafka 3.0 (KIP-679). MSK's IAM
  #                           authorizer does not infer it from WriteData.
  # No DescribeCluster (least privilege): it is Kafka's DESCRIBE CLUSTER ACL,
  # which gates admin requests only (DescribeAcls, DescribeLogDirs,
  # ListPartitionReassignments, DescribeQuorum, the DescribeCluster API, an
  # unfiltered ListGroups), and none of the actions below lists it as
  # required. Spark's Kafka source and sink send none of those: KafkaConsumer
  # and KafkaProducer use Metadata (DescribeTopic), and the source's Admin
  # client (describeTopics, listTopics, listOffsets) fetches its metadata
  # with Metadata too; Admin sends DescribeCluster only with
  # bootstrap.controllers (KIP-919). internal/verify/policy_test.go fails if
  # an action granted here is not needed.
  cluster_actions = [
    "kafka-cluster:Connect",
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

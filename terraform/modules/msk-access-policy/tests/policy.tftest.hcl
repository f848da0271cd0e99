# Provider-free module: every run applies for real (offline) and asserts the
# exact rendered document.
#
# That the rendered document is exactly sufficient for a Kafka 3.x client
# (AWS_MSK_IAM and OAUTHBEARER, idempotent producer, group consumer) is
# proved against the local cluster by the policy table in
# internal/verify/policy_test.go (TestPolicyIsExactlySufficient), which runs
# internal/localmsk/default_policy.json, this module's rendering.

variables {
  cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
}

run "defaults_cover_this_cluster_only" {
  command = apply

  assert {
    condition     = jsondecode(output.policy_json).Version == "2012-10-17"
    error_message = "policy Version must be 2012-10-17"
  }

  assert {
    condition     = length(jsondecode(output.policy_json).Statement) == 3
    error_message = "expected exactly three statements (cluster, topics, groups)"
  }

  assert {
    condition     = alltrue([for s in jsondecode(output.policy_json).Statement : s.Effect == "Allow" && !contains(keys(s), "Condition") && !contains(keys(s), "NotAction") && !contains(keys(s), "NotResource")])
    error_message = "every statement must be a plain Allow with Action and Resource only"
  }

  assert {
    condition = jsondecode(output.policy_json).Statement[0].Action == [
      "kafka-cluster:Connect",
      "kafka-cluster:WriteDataIdempotently",
    ]
    error_message = "cluster statement actions are not exactly Connect, WriteDataIdempotently (no DescribeCluster: no request of a producer, a group consumer or Spark's Admin client needs it)"
  }

  assert {
    condition     = jsondecode(output.policy_json).Statement[0].Resource == [var.cluster_arn]
    error_message = "cluster statement must be scoped to exactly the cluster ARN"
  }

  assert {
    condition = jsondecode(output.policy_json).Statement[1].Action == [
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
    ]
    error_message = "topic statement actions are not exactly DescribeTopic, ReadData, WriteData"
  }

  assert {
    condition     = jsondecode(output.policy_json).Statement[1].Resource == ["arn:aws:kafka:eu-west-1:123456789012:topic/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"]
    error_message = "topic statement must cover all topics of this cluster and nothing else"
  }

  assert {
    condition = jsondecode(output.policy_json).Statement[2].Action == [
      "kafka-cluster:DescribeGroup",
      "kafka-cluster:AlterGroup",
    ]
    error_message = "group statement actions are not exactly DescribeGroup, AlterGroup"
  }

  assert {
    condition     = jsondecode(output.policy_json).Statement[2].Resource == ["arn:aws:kafka:eu-west-1:123456789012:group/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/*"]
    error_message = "group statement must cover all groups of this cluster and nothing else"
  }

  assert {
    condition     = !strcontains(output.policy_json, "kafka-cluster:*") && !strcontains(output.policy_json, "\"*\"") && !strcontains(output.policy_json, "CreateTopic")
    error_message = "no wildcard action, no bare '*' resource, no CreateTopic by default"
  }

  assert {
    condition     = length(distinct(flatten([for s in jsondecode(output.policy_json).Statement : s.Sid]))) == 3
    error_message = "each statement needs its own Sid"
  }
}

run "prefixes_narrow_topics_and_groups" {
  command = apply

  variables {
    topic_name_prefix = "orders."
    group_name_prefix = "databricks-orders-"
  }

  assert {
    condition     = output.topic_resource_arn == "arn:aws:kafka:eu-west-1:123456789012:topic/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/orders.*"
    error_message = "topic ARN pattern must end in the prefix followed by *"
  }

  assert {
    condition     = output.group_resource_arn == "arn:aws:kafka:eu-west-1:123456789012:group/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/databricks-orders-*"
    error_message = "group ARN pattern must end in the prefix followed by *"
  }

  assert {
    condition     = jsondecode(output.policy_json).Statement[1].Resource == [output.topic_resource_arn] && jsondecode(output.policy_json).Statement[2].Resource == [output.group_resource_arn]
    error_message = "the rendered policy must use the narrowed patterns"
  }

  assert {
    condition     = output.cluster_resource_arn == var.cluster_arn
    error_message = "prefixes must not change the cluster statement"
  }
}

run "create_topic_only_when_asked" {
  command = apply

  variables {
    allow_create_topic = true
  }

  assert {
    condition = jsondecode(output.policy_json).Statement[1].Action == [
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
      "kafka-cluster:CreateTopic",
    ]
    error_message = "allow_create_topic must add exactly kafka-cluster:CreateTopic to the topic statement"
  }

  assert {
    condition     = jsondecode(output.policy_json).Statement[0].Action == ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"]
    error_message = "allow_create_topic must not change the cluster statement"
  }
}

run "other_partitions_keep_their_partition" {
  command = apply

  variables {
    cluster_arn = "arn:aws-us-gov:kafka:us-gov-west-1:123456789012:cluster/gov-msk/11111111-2222-3333-4444-555555555555-1"
  }

  assert {
    condition     = output.topic_resource_arn == "arn:aws-us-gov:kafka:us-gov-west-1:123456789012:topic/gov-msk/11111111-2222-3333-4444-555555555555-1/*"
    error_message = "derived ARNs must keep the cluster's partition, region and account"
  }
}

# ---- every validation rejects what it should --------------------------------

run "rejects_non_msk_arn" {
  command = plan
  variables {
    cluster_arn = "arn:aws:iam::123456789012:role/not-a-cluster"
  }
  expect_failures = [var.cluster_arn]
}

run "rejects_topic_arn_as_cluster_arn" {
  command = plan
  variables {
    cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:topic/demo-msk/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3/orders"
  }
  expect_failures = [var.cluster_arn]
}

run "rejects_wildcard_cluster_arn" {
  command = plan
  variables {
    cluster_arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/*/*"
  }
  expect_failures = [var.cluster_arn]
}

run "rejects_wildcard_topic_prefix" {
  command = plan
  variables {
    topic_name_prefix = "orders*"
  }
  expect_failures = [var.topic_name_prefix]
}

run "rejects_overlong_topic_prefix" {
  command = plan
  variables {
    topic_name_prefix = join("", [for i in range(250) : "a"])
  }
  expect_failures = [var.topic_name_prefix]
}

run "rejects_wildcard_group_prefix" {
  command = plan
  variables {
    group_name_prefix = "spark-?"
  }
  expect_failures = [var.group_name_prefix]
}

run "rejects_slash_in_group_prefix" {
  command = plan
  variables {
    group_name_prefix = "a/b"
  }
  expect_failures = [var.group_name_prefix]
}

variable "cluster_arn" {
  description = "ARN of the MSK cluster the policy grants access to, `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`. Topic and group ARNs are derived from it, so the policy never reaches another cluster."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:cluster/[A-Za-z0-9][A-Za-z0-9-]{0,63}/[A-Za-z0-9-]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN such as arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abcd1234-0123-abcd-5678-1234abcd-1 (take it from the cluster_arn output of the msk-vpce module)."
  }
}

variable "topic_name_prefix" {
  description = "Grant topic access only to topics whose names start with this prefix. Empty (the default) grants every topic of this cluster, and no other cluster's."
  type        = string
  default     = ""
  nullable    = false

  validation {
    # Kafka topic names: ASCII letters, digits, '.', '_' and '-', at most 249 characters.
    # '*' and '?' are IAM wildcards and would widen the grant, so they are rejected.
    condition     = can(regex("^[A-Za-z0-9._-]{0,249}$", var.topic_name_prefix))
    error_message = "topic_name_prefix may only contain letters, digits, '.', '_' and '-' (the characters Kafka allows in topic names), at most 249 of them; IAM wildcards '*' and '?' are not allowed."
  }
}

variable "group_name_prefix" {
  description = "Grant consumer-group access only to groups whose IDs start with this prefix. Empty (the default) grants every consumer group of this cluster. Databricks/Spark generate group IDs such as `spark-kafka-source-...` unless `groupIdPrefix` or `kafka.group.id` is set, so set this together with that option."
  type        = string
  default     = ""
  nullable    = false

  validation {
    # '*' and '?' are IAM wildcards; '/' would be read as part of the ARN path.
    condition     = length(var.group_name_prefix) <= 255 && can(regex("^[^*?/[:space:]]*$", var.group_name_prefix))
    error_message = "group_name_prefix must be at most 255 characters without whitespace, '/', or the IAM wildcards '*' and '?'."
  }
}

variable "allow_create_topic" {
  description = "Also grant kafka-cluster:CreateTopic on the topics in scope. Off by default: topics are created by the platform team, and auto topic creation is off on the cluster."
  type        = bool
  default     = false
  nullable    = false
}

# ---- naming and network -------------------------------------------------------

variable "prefix" {
  description = "Prefix of every resource name. 3-24 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen. 24 keeps `<prefix>-nlb-<n>` within the 32-character limit AWS puts on load balancer names for up to 30 brokers (target groups take a provider-generated name from a 6-character name_prefix, so a replacement never collides)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-24 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen (load balancer and target group names are limited to 32 characters)."
  }

  validation {
    condition     = !startswith(var.prefix, "internal-") && !strcontains(var.prefix, "--")
    error_message = "prefix must not start with \"internal-\" (reserved by Elastic Load Balancing) nor contain \"--\"."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, /16 to /24. It is split into four equal subnets with cidrsubnet(); the first three become the private subnets, one per availability zone."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/([0-9]+)$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR block such as 172.18.0.0/16."
  }

  validation {
    condition     = can(regex("/(1[6-9]|2[0-4])$", var.cidr_block)) && try(cidrsubnet(var.cidr_block, 0, 0) == var.cidr_block, false)
    error_message = "cidr_block must have a prefix length between /16 and /24 (AWS allows /16-/28 for a VPC; each of the four subnets needs room for MSK broker and NLB interfaces) and be a network address (e.g. 10.0.0.0/16, not 10.0.1.0/16)."
  }
}

variable "excluded_availability_zone_ids" {
  description = "Availability zone IDs never used for subnets. MSK does not place brokers in use1-az3 (us-east-1e for many accounts). The module uses the first three remaining available zones."
  type        = list(string)
  default     = ["use1-az3"]
  nullable    = false

  validation {
    condition     = alltrue([for z in var.excluded_availability_zone_ids : can(regex("^[a-z]{2,4}[0-9]+-az[0-9]+$", z))])
    error_message = "excluded_availability_zone_ids must be zone IDs such as use1-az3."
  }
}

variable "nlb_zones" {
  description = "Where each broker's NLB lives, and so in which availability zones its endpoint service is offered. \"broker\" (default): only in its broker's subnet, cross-zone load balancing off; a consumer's endpoint can then only be placed in that one zone. \"all\": in every private subnet with cross-zone load balancing on (still one target, the broker), so the service is offered in all three zones; costs inter-AZ data transfer for traffic entering in another zone than the broker's. See the README, \"Availability zones\"."
  type        = string
  default     = "broker"
  nullable    = false

  validation {
    condition     = contains(["broker", "all"], var.nlb_zones)
    error_message = "nlb_zones must be \"broker\" (each NLB in its broker's zone only) or \"all\" (each NLB in every private subnet, cross-zone on)."
  }
}

variable "supported_regions" {
  description = "Other regions whose consumers may create endpoints to the per-broker services (a Databricks workspace in another region than the cluster). Empty (default): this region only. Needs nlb_zones = \"all\" (AWS offers a service across regions only from an NLB in at least two zones)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.supported_regions) == 0 || var.nlb_zones == "all"
    error_message = "supported_regions (cross-region consumers) needs nlb_zones = \"all\": AWS offers an endpoint service to other regions only from a load balancer in at least two availability zones."
  }
}

variable "operator_cidrs" {
  description = "Optional CIDR blocks (for example a bastion or verification runner inside this VPC) allowed to reach the NLBs on TCP 9098 directly. PrivateLink consumers do not need an entry here. Never 0.0.0.0/0 or ::/0."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0))])
    error_message = "operator_cidrs must be CIDR blocks such as 10.20.0.0/24."
  }

  validation {
    condition     = alltrue([for c in var.operator_cidrs : !can(regex("/0$", c))])
    error_message = "operator_cidrs must not contain a /0 block (0.0.0.0/0 or ::/0): the NLBs are only for PrivateLink and named operators."
  }
}

# ---- MSK ------------------------------------------------------------------------

variable "kafka_version" {
  description = "Apache Kafka version of the MSK cluster and its configuration."
  type        = string
  default     = "3.9.x"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.([0-9]+|x)(\\.[a-z]+)?$", var.kafka_version))
    error_message = "kafka_version must be an MSK Kafka version string such as 3.9.x."
  }
}

variable "broker_count" {
  description = "Number of broker nodes, a multiple of the three availability zones (3, 6, ... 30). Each broker gets its own NLB and endpoint service."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.broker_count >= 3 && var.broker_count <= 30 && var.broker_count % 3 == 0 && floor(var.broker_count) == var.broker_count
    error_message = "broker_count must be a multiple of 3 (one broker per availability zone per step) between 3 and 30."
  }
}

variable "broker_ids" {
  description = "Only after removing brokers: the ids of the brokers that stay (MSK removes the brokers that hold no partitions, whatever their ids, so the plan must be told which paths go). Null (the default): 1..broker_count, the ids MSK gives a new cluster's brokers. See the README, \"Day 2\"."
  type        = list(number)
  default     = null

  validation {
    condition     = var.broker_ids == null || try(length(var.broker_ids) > 0 && length(var.broker_ids) <= var.broker_count && length(distinct(var.broker_ids)) == length(var.broker_ids) && alltrue([for id in var.broker_ids : id >= 1 && floor(id) == id]), false)
    error_message = "broker_ids must be null or distinct whole broker ids, at most broker_count of them (the ones MSK reports: aws kafka list-nodes)."
  }
}

variable "instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m5.large"
  nullable    = false

  validation {
    condition     = can(regex("^kafka\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an MSK broker type such as kafka.m5.large."
  }
}

variable "ebs_volume_size" {
  description = "EBS storage per broker, in GiB (1-16384). MSK only grows storage, by at least 10 GiB a step: every plan checks the change against what the brokers have."
  type        = number
  default     = 1000
  nullable    = false

  validation {
    condition     = var.ebs_volume_size >= 1 && var.ebs_volume_size <= 16384 && floor(var.ebs_volume_size) == var.ebs_volume_size
    error_message = "ebs_volume_size must be a whole number of GiB between 1 and 16384."
  }
}

variable "storage_autoscaling_max_gib" {
  description = "Turn on storage autoscaling (AWS Application Auto Scaling, target tracking on KafkaBrokerStorageUtilization) up to this many GiB per broker; null (default): off. With it on, ebs_volume_size is a floor: the cluster keeps whatever larger size autoscaling reached (MSK cannot shrink storage), found through the cluster's Name tag (tag:GetResources)."
  type        = number
  default     = null

  validation {
    condition     = var.storage_autoscaling_max_gib == null || try(var.storage_autoscaling_max_gib > var.ebs_volume_size && var.storage_autoscaling_max_gib <= 16384 && floor(var.storage_autoscaling_max_gib) == var.storage_autoscaling_max_gib, false)
    error_message = "storage_autoscaling_max_gib must be null (off) or a whole number of GiB above ebs_volume_size and at most 16384 (MSK's maximum per broker)."
  }
}

variable "storage_autoscaling_target_utilization" {
  description = "With storage autoscaling: the disk utilisation, in percent, that autoscaling keeps the brokers at (it grows a volume when usage passes it)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.storage_autoscaling_target_utilization >= 10 && var.storage_autoscaling_target_utilization <= 80
    error_message = "storage_autoscaling_target_utilization must be a percentage from 10 to 80 (MSK's range for KafkaBrokerStorageUtilization)."
  }
}

variable "auto_create_topics" {
  description = "Sets auto.create.topics.enable on the cluster. Off by default: topics are created deliberately, and the client role cannot create topics unless allow_create_topic is set."
  type        = bool
  default     = false
  nullable    = false
}

variable "encryption_at_rest_kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for MSK encryption at rest. Null uses the AWS-managed key (data is encrypted at rest either way)."
  type        = string
  default     = null

  validation {
    condition     = var.encryption_at_rest_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.encryption_at_rest_kms_key_arn))
    error_message = "encryption_at_rest_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "log_retention_days" {
  description = "Retention of the broker log group in CloudWatch Logs, in days (one of the values CloudWatch accepts)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "Optional KMS key ARN to encrypt the broker log group. The key policy must allow the CloudWatch Logs service principal of this region."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

# ---- PrivateLink ----------------------------------------------------------------

variable "allowed_principals" {
  description = "IAM principals allowed to create interface endpoints to the per-broker endpoint services. For Databricks serverless this is the regional principal of its network connectivity configuration, `arn:aws:iam::<databricks-account>:role/private-connectivity-role-<region>`, shown when you add a private endpoint rule to the NCC. No wildcards."
  type        = list(string)
  nullable    = false

  validation {
    condition     = alltrue([for p in var.allowed_principals : !strcontains(p, "*")])
    error_message = "allowed_principals must not contain '*': a wildcard would let any AWS account request endpoints to the brokers."
  }

  validation {
    condition     = alltrue([for p in var.allowed_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/-]+)$", p))])
    error_message = "allowed_principals must be IAM ARNs of an account root, role or user, e.g. arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1."
  }

  validation {
    condition     = length(distinct(var.allowed_principals)) == length(var.allowed_principals)
    error_message = "allowed_principals must not contain duplicates."
  }
}

variable "acceptance_required" {
  description = "Whether each endpoint connection request must be accepted by the service owner. Keep true: the principal allow list limits who may ask, acceptance decides who gets in."
  type        = bool
  default     = true
  nullable    = false
}

# ---- Databricks Unity Catalog service credential ----------------------------------

variable "databricks_external_id" {
  description = "External ID of the Databricks Unity Catalog service credential that uses the role (Databricks shows it on the credential; it is not your Databricks account ID). Start with the placeholder \"0000\", create the credential with the databricks_msk_role_arn output, then re-apply with the real value."
  type        = string
  default     = "0000"
  nullable    = false

  validation {
    condition     = length(var.databricks_external_id) >= 2 && length(var.databricks_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/-]+$", var.databricks_external_id))
    error_message = "databricks_external_id must be 2-1224 characters of letters, digits and +=,.@:/- (the characters STS allows in an external ID)."
  }
}

variable "databricks_uc_master_role_arn" {
  description = "The Databricks Unity Catalog master role that assumes the service-credential role. The default is the one Databricks documents for AWS commercial regions; GovCloud deployments use a different one."
  type        = string
  default     = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.databricks_uc_master_role_arn)) && !strcontains(var.databricks_uc_master_role_arn, "*")
    error_message = "databricks_uc_master_role_arn must be an IAM role ARN without wildcards."
  }
}

variable "topic_name_prefix" {
  description = "Limit the Databricks role's topic access to topics starting with this prefix. Empty: every topic of this cluster."
  type        = string
  default     = ""
  nullable    = false
}

variable "group_name_prefix" {
  description = "Limit the Databricks role's consumer-group access to group IDs starting with this prefix. Empty: every group of this cluster."
  type        = string
  default     = ""
  nullable    = false
}

variable "allow_create_topic" {
  description = "Also grant the Databricks role kafka-cluster:CreateTopic on the topics in scope."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "additional_trusted_role_arns" {
  description = "Test-only: further roles the Databricks role trusts, with the same external ID (the nightly e2e runner). Leave empty in production: only Databricks should assume this role."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.additional_trusted_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) && !strcontains(a, "*")])
    error_message = "additional_trusted_role_arns must be IAM role ARNs without wildcards."
  }
}

variable "tcp_idle_timeout_seconds" {
  description = "Idle timeout of the NLB TCP listeners. The NLB default (350 s) is below the Kafka clients' connections.max.idle.ms (540 s), so idle client connections would be reset; the default 600 keeps them. Alternative: set the client's connections.max.idle.ms below 350000."
  type        = number
  default     = 600

  validation {
    condition     = var.tcp_idle_timeout_seconds >= 60 && var.tcp_idle_timeout_seconds <= 6000 && floor(var.tcp_idle_timeout_seconds) == var.tcp_idle_timeout_seconds
    error_message = "tcp_idle_timeout_seconds must be a whole number of seconds from 60 to 6000 (the NLB's range), e.g. 600."
  }
}

variable "healer_lambda_zip_path" {
  description = "Zip of the heal-lambda (`make heal-lambda-zip`): turns on the broker-path healer (../broker-healer via ../msk-privatelink). Null (default): no healer."
  type        = string
  default     = null
}

variable "healer_schedule_rate_minutes" {
  description = "With the healer: minutes between its runs."
  type        = number
  default     = 1
  nullable    = false
}

variable "healer_sns_topic_enabled" {
  description = "With the healer: an SNS topic its alarms notify."
  type        = bool
  default     = false
  nullable    = false
}

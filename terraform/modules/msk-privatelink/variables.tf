# ---- the cluster -----------------------------------------------------------------

variable "cluster_arn" {
  description = "ARN of the provisioned MSK cluster (Standard or Express brokers) to reach privately. IAM authentication must be on. The module reads everything else from AWS: its brokers and their client addresses, subnets, VPC and security groups."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9-]{1,64}/[A-Za-z0-9-]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> (aws kafka list-clusters-v2 shows it)."
  }
}

variable "prefix" {
  description = "Prefix of every resource name: 3-24 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen. `<prefix>-nlb-<broker id>` must stay within AWS's 32 characters for load balancer names (target groups take a provider-generated name from a 6-character name_prefix, so a replacement never collides)."
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

variable "broker_ids" {
  description = "Only for a cluster created in the same configuration (the msk-vpce module passes it): the broker ids to serve, which must be known while the cluster is still being created. Null (the default): the ids MSK reports, read while Terraform plans."
  type        = list(number)
  default     = null

  validation {
    condition     = var.broker_ids == null || try(length(var.broker_ids) > 0 && length(distinct(var.broker_ids)) == length(var.broker_ids) && alltrue([for id in var.broker_ids : id >= 1 && floor(id) == id]), false)
    error_message = "broker_ids must be null or distinct whole broker ids (1, 2, ...)."
  }
}

variable "nodes_after_apply" {
  description = "Only with broker_ids: the cluster's node_info_list read after this apply's change to the cluster (a data.aws_msk_broker_nodes that refers to the cluster resource directly, so it is read once the change is done). It gives the brokers that the change adds their addresses; brokers MSK reports already come from the read at plan time."
  type = list(object({
    broker_id             = number
    client_subnet         = string
    client_vpc_ip_address = string
    endpoints             = set(string)
  }))
  default = null
}

variable "vpc_id" {
  description = "The cluster's VPC, when the caller knows it before the cluster exists (the msk-vpce module); null: read from the brokers' subnets."
  type        = string
  default     = null
}

variable "cluster_security_group_id" {
  description = "Which of the brokers' security groups admits the NLBs on 9098. Null: the first of them (sorted by ID)."
  type        = string
  default     = null
}

variable "manage_cluster_security_group_rule" {
  description = "Add the rule that admits the NLB security group on 9098 to the brokers' security group. False when that group is not yours to change: the module then checks at every plan that such a rule exists and, until it does, warns with the exact command to add it (output cluster_security_group_rule_command)."
  type        = bool
  default     = true
  nullable    = false
}

# ---- network and PrivateLink --------------------------------------------------------

variable "nlb_zones" {
  description = "Where each broker's NLB lives, and so in which availability zones its endpoint service is offered. \"broker\" (default): only in its broker's subnet, cross-zone load balancing off; a consumer's endpoint can then only be placed in that one zone. \"all\": in every subnet of the cluster with cross-zone load balancing on (still one target, the broker), so the service is offered in every zone of the cluster; costs inter-AZ data transfer for traffic entering in another zone than the broker's. Cross-region consumers (supported_regions) need \"all\"."
  type        = string
  default     = "broker"
  nullable    = false

  validation {
    condition     = contains(["broker", "all"], var.nlb_zones)
    error_message = "nlb_zones must be \"broker\" (each NLB in its broker's zone only) or \"all\" (each NLB in every subnet of the cluster, cross-zone on)."
  }
}

variable "supported_regions" {
  description = "Other regions whose consumers may create endpoints to the per-broker services (cross-region PrivateLink: a Databricks workspace in another region than the cluster). Empty (default): this region only. AWS offers a service across regions only from an NLB in at least two zones, so this needs nlb_zones = \"all\"."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for r in var.supported_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))]) && length(distinct(var.supported_regions)) == length(var.supported_regions)
    error_message = "supported_regions must be distinct AWS region codes such as eu-west-1."
  }

  validation {
    condition     = length(var.supported_regions) == 0 || var.nlb_zones == "all"
    error_message = "supported_regions (cross-region consumers) needs nlb_zones = \"all\": AWS offers an endpoint service to other regions only from a load balancer in at least two availability zones."
  }
}

variable "operator_cidrs" {
  description = "Optional CIDR blocks (for example a bastion or verification runner inside the cluster's VPC) allowed to reach the NLBs on TCP 9098 directly. PrivateLink consumers do not need an entry here. Never 0.0.0.0/0 or ::/0."
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

variable "tcp_idle_timeout_seconds" {
  description = "Idle timeout of the NLB TCP listeners. The NLB default (350 s) is below the Kafka clients' connections.max.idle.ms (540 s), so idle client connections would be reset; the default 600 keeps them. Alternative: set the client's connections.max.idle.ms below 350000."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.tcp_idle_timeout_seconds >= 60 && var.tcp_idle_timeout_seconds <= 6000 && floor(var.tcp_idle_timeout_seconds) == var.tcp_idle_timeout_seconds
    error_message = "tcp_idle_timeout_seconds must be a whole number of seconds from 60 to 6000 (the NLB's range), e.g. 600."
  }
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

variable "additional_trusted_role_arns" {
  description = "Further roles the Databricks role trusts, with the same external ID: the verify canary's role, and the nightly e2e runner. Leave empty otherwise: only Databricks should assume this role."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.additional_trusted_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a)) && !strcontains(a, "*")])
    error_message = "additional_trusted_role_arns must be IAM role ARNs without wildcards."
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

# ---- the broker-path healer ---------------------------------------------------------

variable "healer_lambda_zip_path" {
  description = "Zip of the heal-lambda (linux/arm64) built from this repository with `make heal-lambda-zip` (bin/heal-lambda.zip): turns on the broker-path healer, a Lambda that keeps every broker's NLB target on the broker's current address (../broker-healer; about 44,000 invocations a month, within Lambda's free tier). Null (default): no healer; `deploy heal` heals on demand."
  type        = string
  default     = null
}

variable "healer_schedule_rate_minutes" {
  description = "With the healer: minutes between its runs (a moved broker's path is back within this plus the NLB's health checks, about 30 s)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.healer_schedule_rate_minutes >= 1 && var.healer_schedule_rate_minutes <= 60 && floor(var.healer_schedule_rate_minutes) == var.healer_schedule_rate_minutes
    error_message = "healer_schedule_rate_minutes must be a whole number of minutes from 1 to 60."
  }
}

variable "healer_sns_topic_enabled" {
  description = "With the healer: an SNS topic its alarms (refusals, failed heals, errors) notify."
  type        = bool
  default     = false
  nullable    = false
}

variable "healer_alarm_actions" {
  description = "With the healer: further ARNs (e.g. an existing SNS topic) its alarms notify."
  type        = list(string)
  default     = []
  nullable    = false
}

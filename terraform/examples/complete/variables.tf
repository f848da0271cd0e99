variable "region" {
  description = "AWS region for all resources, e.g. us-east-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be an AWS region code such as us-east-1 or ap-southeast-2."
  }
}

variable "aws_profile" {
  description = "AWS CLI profile to use. Null (the default) uses the standard credential chain (environment, SSO, instance role, OIDC in CI)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_profile == null || can(regex("^[A-Za-z0-9_.@+-]+$", var.aws_profile))
    error_message = "aws_profile must be a profile name (letters, digits, and _.@+-) or null."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the MSK VPC, /16 to /24 (e.g. 172.18.0.0/16)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.cidr_block)) && try(cidrsubnet(var.cidr_block, 0, 0) == var.cidr_block, false)
    error_message = "cidr_block must be an IPv4 network address with a prefix length between /16 and /24, such as 172.18.0.0/16 (not 172.18.1.0/16)."
  }
}

variable "prefix" {
  description = "Prefix of every resource name: 3-24 lowercase letters, digits and hyphens, starting with a letter (keeps NLB and target group names within 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-24 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }

  validation {
    condition     = !startswith(var.prefix, "internal-") && !strcontains(var.prefix, "--")
    error_message = "prefix must not start with \"internal-\" (reserved by Elastic Load Balancing) nor contain \"--\"."
  }
}

variable "user_name" {
  description = "Value of the Owner tag on every resource, e.g. your e-mail address."
  type        = string

  validation {
    condition     = length(var.user_name) >= 1 && length(var.user_name) <= 256 && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]+$", var.user_name))
    error_message = "user_name must be 1-256 characters valid in an AWS tag value (letters, digits, spaces and _.:/=+-@)."
  }
}

variable "service_name" {
  description = "Value of the Service tag on every resource."
  type        = string
  default     = "MSK Endpoint Service"

  validation {
    condition     = length(var.service_name) >= 1 && length(var.service_name) <= 256 && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]+$", var.service_name))
    error_message = "service_name must be 1-256 characters valid in an AWS tag value (letters, digits, spaces and _.:/=+-@)."
  }
}

variable "allowed_principals" {
  description = "IAM principals allowed to create endpoints to the per-broker endpoint services. Default (null): Databricks serverless in this region, arn:aws:iam::565502421330:role/private-connectivity-role-<region> (AWS commercial; GovCloud uses other principals: pass them explicitly). No wildcards."
  type        = list(string)
  default     = null

  validation {
    condition     = var.allowed_principals == null || alltrue([for p in coalesce(var.allowed_principals, []) : !strcontains(p, "*") && can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/-]+)$", p))])
    error_message = "allowed_principals must be IAM ARNs (account root, role or user) without wildcards."
  }

  validation {
    condition     = var.allowed_principals == null || try(length(var.allowed_principals) > 0 && length(distinct(var.allowed_principals)) == length(var.allowed_principals), false)
    error_message = "allowed_principals must name at least one principal, each once (or be null for Databricks serverless in this region)."
  }
}

variable "databricks_external_id" {
  description = "External ID of the Databricks Unity Catalog service credential. Keep the placeholder \"0000\" for the first apply, create the credential from the databricks_msk_role_arn output, then set the external ID Databricks shows and re-apply."
  type        = string
  default     = "0000"

  validation {
    condition     = length(var.databricks_external_id) >= 2 && length(var.databricks_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/-]+$", var.databricks_external_id))
    error_message = "databricks_external_id must be 2-1224 characters of letters, digits and +=,.@:/-."
  }
}

variable "operator_cidrs" {
  description = "Optional CIDR blocks inside the VPC (bastion, verification runner) allowed to reach the NLBs on 9098. Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0)) && !can(regex("/0$", c))])
    error_message = "operator_cidrs must be CIDR blocks and none may be /0."
  }
}

variable "nlb_zones" {
  description = "Where each broker's NLB lives: \"broker\" (its broker's zone only, cross-zone off) or \"all\" (every private subnet, cross-zone on, so each endpoint service is offered in all three zones; inter-AZ transfer costs). See modules/msk-vpce/README.md, \"Availability zones\"."
  type        = string
  default     = "broker"

  validation {
    condition     = contains(["broker", "all"], var.nlb_zones)
    error_message = "nlb_zones must be \"broker\" or \"all\"."
  }
}

variable "broker_count" {
  description = "Number of MSK brokers, a multiple of 3."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= 3 && var.broker_count <= 30 && var.broker_count % 3 == 0
    error_message = "broker_count must be a multiple of 3 between 3 and 30."
  }
}

variable "broker_ids" {
  description = "Only after removing brokers: the ids of the brokers that stay (MSK removes the brokers that hold no partitions, whatever their ids). Null: 1..broker_count. See modules/msk-vpce/README.md, \"Day 2\"."
  type        = list(number)
  default     = null
}

variable "kafka_version" {
  description = "Apache Kafka version of the MSK cluster (an upgrade is an in-place rolling update)."
  type        = string
  default     = "3.9.x"
  nullable    = false
}

variable "instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m5.large"

  validation {
    condition     = can(regex("^kafka\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an MSK broker type such as kafka.m5.large."
  }
}

variable "ebs_volume_size" {
  description = "EBS storage per broker in GiB. MSK only grows storage, by at least 10 GiB a step (checked at plan)."
  type        = number
  default     = 1000

  validation {
    condition     = var.ebs_volume_size >= 1 && var.ebs_volume_size <= 16384
    error_message = "ebs_volume_size must be between 1 and 16384 GiB."
  }
}

variable "storage_autoscaling_max_gib" {
  description = "Turn on MSK storage autoscaling up to this many GiB per broker (null: off). ebs_volume_size then is a floor: the cluster keeps what autoscaling grew."
  type        = number
  default     = null
}

variable "auto_create_topics" {
  description = "Sets auto.create.topics.enable on the cluster (a new configuration revision, a rolling restart)."
  type        = bool
  default     = false
  nullable    = false
}

variable "supported_regions" {
  description = "Other regions whose consumers (a Databricks workspace elsewhere) may create endpoints to the per-broker services; needs nlb_zones = \"all\"."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the MSK broker logs in CloudWatch Logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "extra_tags" {
  description = "Further tags on every resource (merged under Owner, Service and ManagedBy)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "additional_trusted_role_arns" {
  description = "Test-only: further roles the Databricks role trusts with the external ID (the nightly e2e runner). Leave empty in production."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "enable_databricks" {
  description = "Also build the Databricks side in the same apply: the Unity Catalog service credential (its external ID feeds the role's trust policy, so databricks_external_id is ignored), one NCC private endpoint rule per broker, and the accepted endpoint connections. Needs databricks_account_id and databricks_workspace_host."
  type        = bool
  default     = false
  nullable    = false
}

variable "databricks_account_id" {
  description = "Databricks account ID (account console, user menu). Required with enable_databricks."
  type        = string
  default     = null

  validation {
    condition     = var.databricks_account_id == null ? !var.enable_databricks : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.databricks_account_id))
    error_message = "databricks_account_id must be the account's UUID, and is required when enable_databricks is true."
  }
}

variable "databricks_account_host" {
  description = "Databricks account console URL (AWS commercial default)."
  type        = string
  default     = "https://accounts.cloud.databricks.com"
  nullable    = false

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+/?$", var.databricks_account_host))
    error_message = "databricks_account_host must be an https URL without a path, e.g. https://accounts.cloud.databricks.com."
  }
}

variable "databricks_workspace_host" {
  description = "URL of the workspace whose Unity Catalog holds the service credential, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com. Required with enable_databricks."
  type        = string
  default     = null

  validation {
    condition     = var.databricks_workspace_host == null ? !var.enable_databricks : can(regex("^https://[A-Za-z0-9.-]+/?$", var.databricks_workspace_host))
    error_message = "databricks_workspace_host must be an https URL without a path, and is required when enable_databricks is true."
  }
}

variable "databricks_workspace_id" {
  description = "Workspace ID to bind the NCC to (the number after o= in the workspace URL); null binds nothing."
  type        = number
  default     = null
}

variable "databricks_ncc_id" {
  description = "ID of an existing network connectivity configuration to add the rules to; null creates <prefix>-ncc."
  type        = string
  default     = null

  validation {
    condition     = var.databricks_ncc_id == null || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.databricks_ncc_id))
    error_message = "databricks_ncc_id must be the UUID of a network connectivity configuration (account console, Security, Networking), or null."
  }
}

variable "databricks_bind_new_ncc_to_workspace" {
  description = "With databricks_workspace_id and no databricks_ncc_id: bind the new <prefix>-ncc to the workspace, detaching its current NCC and all that NCC's rules (a workspace has one NCC; destroy does not restore it). Prefer databricks_ncc_id."
  type        = bool
  default     = false

  validation {
    condition     = var.databricks_workspace_id == null || var.databricks_ncc_id != null || var.databricks_bind_new_ncc_to_workspace
    error_message = "databricks_workspace_id is set without databricks_ncc_id: binding a new NCC would detach the workspace's existing NCC and its rules. Pass the workspace's NCC id as databricks_ncc_id, or set databricks_bind_new_ncc_to_workspace = true if it has none to keep."
  }
}

variable "databricks_accept_connections" {
  description = "Accept each NCC private endpoint rule's endpoint on its endpoint service (aws_vpc_endpoint_connection_accepter). Plain Terraform: leave true and apply twice (the first apply stops while Databricks creates the endpoints). deploy sets it false for the apply that creates the rules, accepts the endpoints itself by their IDs, then applies again with it true."
  type        = bool
  default     = true
  nullable    = false
}

variable "databricks_credential_access_principals" {
  description = "Users, groups or service principals granted ACCESS on the Unity Catalog service credential (those who run the notebooks). Empty: only the Terraform identity."
  type        = list(string)
  default     = []
}

variable "allow_create_topic" {
  description = "Also grant the Databricks role kafka-cluster:CreateTopic (e.g. so the verifier can create its verification topic); off by default: least privilege."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_verify_canary" {
  description = "Build the verify canary (terraform/modules/verify-canary) in this account: while enabled, the endpoint services also allow this account's principal and the canary's endpoint connections are accepted by their exact IDs, and the Databricks role trusts the canary's role. About $0.06 per hour."
  type        = bool
  default     = false
  nullable    = false
}

variable "verify_canary_lambda_zip_path" {
  description = "Zip of the verify-lambda bootstrap (linux/arm64) built from this repository; required with enable_verify_canary. See the module README for the build command."
  type        = string
  default     = null

  validation {
    condition     = var.verify_canary_lambda_zip_path == null ? !var.enable_verify_canary : endswith(var.verify_canary_lambda_zip_path, ".zip")
    error_message = "verify_canary_lambda_zip_path must name the verify-lambda .zip, and is required when enable_verify_canary is true."
  }
}

variable "verify_canary_schedule_enabled" {
  description = "With enable_verify_canary: run the canary every verify_canary_schedule_rate_minutes with one alarm per broker path (PathPassed in mskvpce/VerifyCanary; a run that reports nothing breaches). Off by default: on demand, deploy verify --remote invokes the canary without it."
  type        = bool
  default     = false
  nullable    = false
}

variable "verify_canary_schedule_rate_minutes" {
  description = "Minutes between scheduled canary runs."
  type        = number
  default     = 5
  nullable    = false
}

variable "verify_canary_sns_topic_enabled" {
  description = "With the schedule: create an SNS topic the canary's alarms notify."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_broker_healer" {
  description = "Build the broker-path healer (terraform/modules/broker-healer): a Lambda that re-points a broker's NLB target at its new address within about a minute of MSK moving it (about 44,000 invocations a month, within Lambda's free tier)."
  type        = bool
  default     = false
  nullable    = false
}

variable "broker_healer_lambda_zip_path" {
  description = "Zip of the heal-lambda (linux/arm64) built from this repository with `make heal-lambda-zip`; required with enable_broker_healer."
  type        = string
  default     = null

  validation {
    condition     = var.broker_healer_lambda_zip_path == null ? !var.enable_broker_healer : endswith(var.broker_healer_lambda_zip_path, ".zip")
    error_message = "broker_healer_lambda_zip_path must name the heal-lambda .zip (make heal-lambda-zip), and is required when enable_broker_healer is true."
  }
}

variable "broker_healer_sns_topic_enabled" {
  description = "With the healer: an SNS topic its alarms (refusals, failed heals, errors) notify."
  type        = bool
  default     = false
  nullable    = false
}

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

variable "cluster_arn" {
  description = "ARN of the provisioned MSK cluster (Standard or Express brokers) that Databricks serverless must reach privately; IAM authentication must be on. `deploy plan --cluster-arn ARN` discovers and prints the rest; `aws kafka list-clusters-v2` shows it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9-]{1,64}/[A-Za-z0-9-]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }

  validation {
    condition     = try(split(":", var.cluster_arn)[3], var.region) == var.region # a malformed ARN: the rule above says so
    error_message = "cluster_arn is in another region than region: the NLBs and endpoint services must be in the cluster's region (consumers elsewhere: supported_regions)."
  }
}

variable "cluster_security_group_id" {
  description = "Which of the brokers' security groups admits the NLBs on 9098. Null: the first of them (sorted by ID)."
  type        = string
  default     = null
}

variable "manage_cluster_security_group_rule" {
  description = "Add the rule that admits the NLBs on 9098 to the brokers' security group. False when that group is not yours to change: every plan then checks the rule exists and, until it does, warns with the exact command (output cluster_security_group_rule_command)."
  type        = bool
  default     = true
  nullable    = false
}

variable "topic_name_prefix" {
  description = "Limit the Databricks role's topic access to topics starting with this prefix. Empty: every topic of the cluster."
  type        = string
  default     = ""
  nullable    = false
}

variable "group_name_prefix" {
  description = "Limit the Databricks role's consumer-group access to group IDs starting with this prefix. Empty: every group of the cluster."
  type        = string
  default     = ""
  nullable    = false
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
  description = "Optional CIDR blocks inside the cluster's VPC (bastion, verification runner) allowed to reach the NLBs on 9098. Never 0.0.0.0/0."
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

variable "supported_regions" {
  description = "Other regions whose consumers (a Databricks workspace elsewhere) may create endpoints to the per-broker services; needs nlb_zones = \"all\"."
  type        = list(string)
  default     = []
  nullable    = false
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

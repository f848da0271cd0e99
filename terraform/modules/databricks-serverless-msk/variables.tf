variable "prefix" {
  description = "Name prefix for the Databricks objects (credential, NCC)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-24 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  description = "AWS region of the MSK cluster; the NCC must be in the same region as the endpoint services."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as us-east-1."
  }
}

variable "role_arn" {
  description = "ARN of the MSK role for the Unity Catalog service credential (the msk-vpce module's databricks_msk_role_arn). Pass a value that does not depend on the role resource itself, so the role's trust policy can use this credential's external ID in the same apply."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/my-prefix-databricks-msk."
  }
}

variable "credential_name" {
  description = "Name of the Unity Catalog service credential Spark jobs refer to (databricks.serviceCredential). Defaults to <prefix>-msk."
  type        = string
  default     = null

  validation {
    condition     = var.credential_name == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.credential_name))
    error_message = "credential_name may hold letters, digits, underscores and hyphens only."
  }
}

variable "skip_validation" {
  description = "Create the credential without Databricks assuming the role first. Needed in a single apply: the role's trust policy can only carry the credential's external ID after the credential exists, so validation at create time would always fail."
  type        = bool
  default     = true
}

variable "network_connectivity_config_id" {
  description = "ID of an existing NCC to add the rules to; null creates a new NCC named <prefix>-ncc."
  type        = string
  default     = null

  validation {
    condition     = var.network_connectivity_config_id == null || can(regex("^[0-9a-f-]{36}$", var.network_connectivity_config_id))
    error_message = "network_connectivity_config_id must be an NCC UUID."
  }
}

variable "workspace_id" {
  # A workspace has one NCC: binding a new one detaches the existing NCC and
  # all its rules, and destroying the binding does not restore it.
  description = "Workspace to bind the NCC to, so its serverless compute uses the rules; null binds nothing (bind it yourself, an NCC serves up to 50 workspaces)."
  type        = number
  default     = null
}

variable "brokers" {
  description = "The brokers output of the msk-privatelink (or msk-vpce) module: one private endpoint rule per broker, keyed by broker id, with that broker's endpoint service and its domain_names (the broker's hostname, plus any bootstrap hostname given to it; null: the hostname alone)."
  type = list(object({
    broker_id             = number
    hostname              = string
    domain_names          = optional(list(string))
    endpoint_service_id   = string
    endpoint_service_name = string
  }))

  validation {
    condition     = length(var.brokers) > 0 && length(var.brokers) <= 30
    error_message = "brokers must hold 1 to 30 brokers: Databricks allows 30 private endpoints per region, across all NCCs."
  }

  validation {
    condition     = length(distinct([for b in var.brokers : b.broker_id])) == length(var.brokers)
    error_message = "brokers must hold each broker id once (one rule per broker)."
  }

  validation {
    condition     = alltrue([for b in var.brokers : b.domain_names == null || try(length(b.domain_names) >= 1 && length(b.domain_names) <= 10, false)])
    error_message = "Each broker's domain_names must hold 1 to 10 names: Databricks allows 10 domain names per private endpoint rule."
  }
}

variable "accept_connections" {
  description = "Accept each rule's VPC endpoint connection on the endpoint service (needed while the services require acceptance)."
  type        = bool
  default     = true
}

variable "credential_access_principals" {
  description = "Users, groups or service principals (names as in Unity Catalog) granted ACCESS on the service credential. Empty: only its owner, the Terraform identity, can use it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.credential_access_principals : trimspace(p) != ""]) && length(distinct(var.credential_access_principals)) == length(var.credential_access_principals)
    error_message = "credential_access_principals must be non-empty names, each once, e.g. [\"data-engineers\"]."
  }
}

variable "bind_new_ncc_to_workspace" {
  description = "With workspace_id and no network_connectivity_config_id: bind the NCC this module creates to the workspace. This detaches the workspace's current NCC and all its private endpoint rules (a workspace has one NCC), and destroy does not restore it. Prefer passing the workspace's existing NCC as network_connectivity_config_id."
  type        = bool
  default     = false

  validation {
    condition     = var.workspace_id == null || var.network_connectivity_config_id != null || var.bind_new_ncc_to_workspace
    error_message = "workspace_id is set without network_connectivity_config_id: binding a new NCC would detach the workspace's existing NCC and its rules. Pass the workspace's NCC id as network_connectivity_config_id, or set bind_new_ncc_to_workspace = true if the workspace has none to keep."
  }
}

variable "prefix" {
  description = "Name prefix for the Databricks objects (credential, NCC)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-22 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
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
  description = "Workspace to bind the NCC to, so its serverless compute uses the rules; null binds nothing (bind it yourself, an NCC serves up to 50 workspaces)."
  type        = number
  default     = null
}

variable "brokers" {
  description = "The msk-vpce module's brokers output: one private endpoint rule per broker, with that broker's endpoint service and, as its only domain name, that broker's hostname."
  type = list(object({
    broker_id             = number
    hostname              = string
    endpoint_service_id   = string
    endpoint_service_name = string
  }))

  validation {
    condition     = length(var.brokers) > 0 && length(var.brokers) <= 30
    error_message = "brokers must hold 1 to 30 brokers: Databricks allows 30 private endpoints per region, across all NCCs."
  }
}

variable "accept_connections" {
  description = "Accept each rule's VPC endpoint connection on the endpoint service (needed while the services require acceptance)."
  type        = bool
  default     = true
}

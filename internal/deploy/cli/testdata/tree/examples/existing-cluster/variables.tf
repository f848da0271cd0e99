variable "cluster_arn" {
  type = string
}

variable "region" {
  type = string
}

variable "prefix" {
  type = string
}

variable "user_name" {
  type = string
}

variable "allowed_principals" {
  type = list(string)
}

variable "service_name" {
  type    = string
  default = "MSK Endpoint Service"
}

variable "aws_profile" {
  type    = string
  default = null
}

variable "databricks_external_id" {
  type    = string
  default = "0000"
}

variable "operator_cidrs" {
  type    = list(string)
  default = []
}

variable "sleep_seconds" {
  description = "Seconds the slow resource sleeps while being created (0: no slow resource)."
  type        = number
  default     = 0
}

variable "enable_databricks" {
  type    = bool
  default = false
}

variable "databricks_account_id" {
  type    = string
  default = null
}

variable "databricks_account_host" {
  type    = string
  default = "https://accounts.cloud.databricks.com"
}

variable "databricks_workspace_host" {
  type    = string
  default = null
}

variable "databricks_workspace_id" {
  type    = number
  default = null
}

variable "databricks_ncc_id" {
  type    = string
  default = null
}

variable "databricks_bind_new_ncc_to_workspace" {
  type    = bool
  default = false

  validation {
    condition     = var.databricks_workspace_id == null || var.databricks_ncc_id != null || var.databricks_bind_new_ncc_to_workspace
    error_message = "databricks_workspace_id is set without databricks_ncc_id (as in the real example)."
  }
}

variable "databricks_accept_connections" {
  type    = bool
  default = true
}

variable "databricks_connection_state" {
  description = "Fixture only: the connection state every NCC rule reports (PENDING until accepted, then ESTABLISHED)."
  type        = string
  default     = "ESTABLISHED"
}

variable "enable_verify_canary" {
  type    = bool
  default = false
}

variable "verify_canary_lambda_zip_path" {
  type    = string
  default = null
}

variable "replace_token" {
  description = "Fixture only: set, it creates terraform_data.replaceable; changed, it replaces it (drift that replaces a resource)."
  type        = string
  default     = null
}

variable "prefix" {
  description = "Prefix of every resource name: 3-24 lowercase letters, digits and hyphens, starting with a letter (keeps the Lambda, role and alarm names within their limits)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-24 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "brokers" {
  description = "One object per broker path, e.g. the msk-vpce (or msk-privatelink) module's `brokers` output: broker_id, hostname (as Kafka advertises it), endpoint_service_name, and optionally domain_names, endpoint_service_id (needed with accept_connections) and zone_id, the AZ ID the broker's endpoint service is offered in (e.g. use1-az1). domain_names are the hostnames the consumer's DNS resolves to this broker's endpoint, as an NCC rule's domain_names: the broker's hostname first, then any bootstrap hostname given to it (an Express cluster's boot-... names), each name given to one broker only; null means [hostname]. A null zone_id is looked up from the endpoint service (data.aws_vpc_endpoint_service) and this account's AZ name to ID mapping."
  type = list(object({
    broker_id             = number
    hostname              = string
    domain_names          = optional(list(string))
    endpoint_service_name = string
    endpoint_service_id   = optional(string)
    zone_id               = optional(string)
  }))

  validation {
    condition     = length(var.brokers) > 0
    error_message = "brokers must list at least one broker."
  }

  validation {
    condition     = length(distinct([for b in var.brokers : b.broker_id])) == length(var.brokers) && length(distinct([for b in var.brokers : lower(b.hostname)])) == length(var.brokers)
    error_message = "brokers must not repeat a broker_id or a hostname: each broker is one path with its own endpoint."
  }

  validation {
    condition     = alltrue([for b in var.brokers : can(regex("^com\\.amazonaws\\.vpce\\.[a-z0-9-]+\\.vpce-svc-[0-9a-f]+$", b.endpoint_service_name))])
    error_message = "each endpoint_service_name must be an endpoint service name such as com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for b in var.brokers : b.endpoint_service_id == null || can(regex("^vpce-svc-[0-9a-f]+$", b.endpoint_service_id))])
    error_message = "each endpoint_service_id must be null or an endpoint service ID such as vpce-svc-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for b in var.brokers : b.zone_id == null || can(regex("^[a-z0-9]+(-[a-z0-9]+)*-az[0-9]+$", b.zone_id))])
    error_message = "each zone_id must be null or an availability zone ID such as use1-az1 (an ID, not a name like us-east-1a: names differ between accounts)."
  }

  # One private hosted zone, for the cluster's domain, holds every record.
  validation {
    condition = alltrue([for b in var.brokers :
      can(regex("^[a-z0-9-]+\\.[a-z0-9.-]+$", lower(b.hostname))) &&
      join(".", slice(split(".", lower(b.hostname)), 1, length(split(".", b.hostname)))) == join(".", slice(split(".", lower(var.brokers[0].hostname)), 1, length(split(".", var.brokers[0].hostname))))
    ])
    error_message = "each broker hostname must be a DNS name without port (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com), and all must share the first broker's domain."
  }

  validation {
    condition     = alltrue([for b in var.brokers : split(".", lower(b.hostname))[0] == "b-${b.broker_id}"])
    error_message = "each broker hostname must begin with b-<broker_id>. as MSK names them (the verifier dials broker N as b-N.<cluster domain>): pass brokers from the msk-vpce module's brokers output."
  }

  # The zone holds every name, and the canary's configuration carries each
  # as its first label: one DNS label in front of the brokers' domain.
  validation {
    condition = alltrue([for b in var.brokers : alltrue([for n in coalesce(b.domain_names, [b.hostname]) :
      can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.", lower(n))) &&
      join(".", slice(split(".", lower(n)), 1, length(split(".", n)))) == join(".", slice(split(".", lower(b.hostname)), 1, length(split(".", b.hostname))))
    ])])
    error_message = "each domain name must be a DNS name without port in its broker's domain: one label (letters, digits, hyphens) in front of the domain of the broker's hostname, such as boot-abc12345.<cluster domain>."
  }

  # As the msk-privatelink layer gives them: the broker's own hostname first,
  # then the names given to it. Another broker's hostname, or a name given
  # to two brokers, would send a name to two endpoints.
  validation {
    condition = alltrue([for b in var.brokers : try(lower(coalesce(b.domain_names, [b.hostname])[0]), "") == lower(b.hostname)]) && (
      length(distinct(flatten([for b in var.brokers : [for n in coalesce(b.domain_names, [b.hostname]) : lower(n)]]))) == length(flatten([for b in var.brokers : coalesce(b.domain_names, [b.hostname])]))
    )
    error_message = "each broker's domain_names must begin with its own hostname (null means [hostname]) and no name may appear twice, in one broker's domain_names or in two brokers': pass the msk-privatelink (or msk-vpce) module's brokers output, whose domain_names give each bootstrap hostname to exactly one broker."
  }
}

variable "bootstrap_brokers" {
  description = "The deployment's comma-separated host:9098 bootstrap string (the msk-vpce or msk-privatelink module's bootstrap_brokers_sasl_iam output), every host in the brokers' domain. The canary bootstraps from the hosts that a broker's domain_names cover (the only names its zone maps to an endpoint), in the order given, and leaves out the others: a broker being removed, which MSK lists until it is gone. At least one host must be covered."
  type        = string

  validation {
    condition = length(trimspace(var.bootstrap_brokers)) > 0 && alltrue([
      for hp in split(",", var.bootstrap_brokers) :
      can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.[a-z0-9.-]+:[0-9]+$", lower(trimspace(hp)))) && (length(var.brokers) == 0 || contains(
        [for b in var.brokers : join(".", slice(split(".", lower(b.hostname)), 1, length(split(".", b.hostname))))],
        join(".", slice(split(".", lower(split(":", trimspace(hp))[0])), 1, length(split(".", split(":", trimspace(hp))[0]))))
      ))
    ])
    error_message = "bootstrap_brokers must be comma-separated host:port pairs whose hosts are all in the brokers' domain (pass bootstrap_brokers_sasl_iam and brokers from the same deployment)."
  }

  # The canary reaches every broker on 9098 (its configuration carries the
  # bootstrap hosts by their first label).
  validation {
    condition     = alltrue([for hp in split(",", var.bootstrap_brokers) : endswith(trimspace(hp), ":9098")])
    error_message = "bootstrap_brokers must name every host on port 9098, where SASL/IAM listens inside the VPC and each broker's endpoint forwards (pass bootstrap_brokers_sasl_iam, not the public or TLS string)."
  }
}

variable "msk_role_arn" {
  description = "ARN of the Databricks role the canary assumes, with external_id, exactly as Databricks serverless does. Its trust policy must admit the canary's role (the role_arn output)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.msk_role_arn))
    error_message = "msk_role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk."
  }
}

variable "external_id" {
  description = "External ID of the Databricks service credential; the canary assumes msk_role_arn with it."
  type        = string

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-."
  }
}

variable "topic" {
  description = "Verification topic; null uses the verifier's default. The Databricks role must be allowed to write it (and create it, unless it exists)."
  type        = string
  default     = null

  validation {
    condition     = var.topic == null || can(regex("^[A-Za-z0-9._-]{1,249}$", var.topic))
    error_message = "topic must be null or a Kafka topic name: 1-249 letters, digits, '.', '_' or '-'."
  }
}

variable "sasl_mechanism" {
  description = "SASL mechanism each path is verified with: aws-msk-iam (what Databricks' Spark uses), oauthbearer, or both (each path once per mechanism). Null uses the verifier's default, aws-msk-iam."
  type        = string
  default     = null

  validation {
    condition     = var.sasl_mechanism == null || contains(["aws-msk-iam", "oauthbearer", "both"], coalesce(var.sasl_mechanism, "-"))
    error_message = "sasl_mechanism must be null, aws-msk-iam, oauthbearer or both."
  }
}

variable "lambda_zip_path" {
  description = "Path of the zipped verify-lambda (an executable named bootstrap, linux/arm64), built from this repository: see the README."
  type        = string

  validation {
    condition     = fileexists(var.lambda_zip_path) && endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must name an existing .zip file; build it with the commands in the module README."
  }
}

variable "timeout_seconds" {
  description = "How long the verifier may take for all paths (the Lambda's timeout is 30 s more)."
  type        = number
  default     = 90

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 840
    error_message = "timeout_seconds must be between 10 and 840 (Lambda stops at 900)."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the canary's own small VPC, /16 to /24; one subnet per zone ID (a quarter of it for up to 4 zones, a sixteenth beyond) (zone_ids, or those the endpoint services use). Ignored when subnet_ids is set."
  type        = string
  default     = "10.99.0.0/24"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR block with a prefix length between /16 and /24, such as 10.99.0.0/24."
  }
}

variable "zone_ids" {
  description = "AZ IDs to build the canary's subnets in (e.g. the msk-vpce module's zone_ids output). Empty: the brokers' zone IDs, which must then be known at plan; set it when the canary is created in the same apply as the cluster. Ignored when subnet_ids is set."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for z in var.zone_ids : can(regex("^[a-z0-9]+(-[a-z0-9]+)*-az[0-9]+$", z))]) && length(var.zone_ids) <= 16
    error_message = "zone_ids must be at most 16 availability zone IDs such as use1-az1 (IDs, not names like us-east-1a)."
  }
}

variable "subnet_ids" {
  description = "Subnets of an existing VPC to place the canary in instead of building one. Each broker's endpoint goes into those whose AZ ID its service is offered in, so name at least one subnet per such zone."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must be subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "create_sts_endpoint" {
  description = "Create an STS interface endpoint with private DNS (the canary has no internet). Set false only when the VPC of subnet_ids already has one."
  type        = bool
  default     = true
  nullable    = false
}

variable "accept_connections" {
  description = "Accept each canary endpoint's connection on the endpoint service, by exact endpoint ID (needs endpoint_service_id on every broker and the provider's credentials in the services' account)."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.accept_connections || alltrue([for b in var.brokers : b.endpoint_service_id != null])
    error_message = "accept_connections needs endpoint_service_id on every broker."
  }
}

variable "schedule_enabled" {
  description = "Run the canary on an EventBridge schedule (every schedule_rate_minutes) and, with alarms_enabled, alarm per broker path."
  type        = bool
  default     = false
  nullable    = false
}

variable "schedule_rate_minutes" {
  description = "Minutes between scheduled runs; also the alarms' period."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.schedule_rate_minutes >= 1 && var.schedule_rate_minutes <= 1440 && floor(var.schedule_rate_minutes) == var.schedule_rate_minutes
    error_message = "schedule_rate_minutes must be a whole number of minutes between 1 and 1440."
  }
}

variable "alarms_enabled" {
  description = "With schedule_enabled: one CloudWatch alarm per broker path, in ALARM when the path fails or reports nothing for alarm_evaluation_periods runs."
  type        = bool
  default     = true
  nullable    = false
}

variable "alarm_evaluation_periods" {
  description = "Consecutive failed (or missing) runs before a path's alarm fires."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 100 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods
    error_message = "alarm_evaluation_periods must be a whole number between 1 and 100."
  }
}

variable "sns_topic_enabled" {
  description = "Create an SNS topic that the alarms notify (on ALARM and OK); subscribe to it yourself."
  type        = bool
  default     = false
  nullable    = false
}

variable "sns_kms_key_arn" {
  description = "KMS key for the alarm topic; its policy must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*. Null creates one (with rotation) for the topic."
  type        = string
  default     = null

  validation {
    condition     = var.sns_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.sns_kms_key_arn))
    error_message = "sns_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias, especially alias/aws/sns, cannot be used by CloudWatch alarms."
  }
}

variable "alarm_actions" {
  description = "Further ARNs (e.g. an existing SNS topic) the alarms notify on ALARM and OK."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:", a))])
    error_message = "alarm_actions must be ARNs."
  }
}

variable "log_retention_days" {
  description = "Retention of the canary's Lambda logs, in days."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  description = "Tags on every resource that takes them."
  type        = map(string)
  default     = {}
  nullable    = false
}

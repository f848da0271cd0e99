variable "prefix" {
  description = "Prefix of every resource name: 3-24 lowercase letters, digits and hyphens, starting with a letter (keeps the Lambda, role and alarm names within their limits)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-24 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "cluster_arn" {
  description = "ARN of the MSK cluster whose brokers the healer follows (kafka:ListNodes is allowed on it alone)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.cluster_arn))
    error_message = "cluster_arn must be an MSK cluster ARN such as arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2."
  }
}

variable "brokers" {
  description = "The deployment's broker paths, keyed by MSK broker id as a string (\"1\", \"2\", ...; any ids, e.g. 1, 3, 5 after brokers were removed): the broker's target group ARN (its BrokerId tag must be the key) and its hostname as Kafka advertises it (the name its NCC rule's domain_names carry). All target groups in one region and account, all hostnames in the cluster's domain."
  type = map(object({
    target_group_arn = string
    hostname         = string
  }))

  validation {
    condition     = length(var.brokers) > 0 && alltrue([for id in keys(var.brokers) : can(regex("^[1-9][0-9]{0,3}$", id))])
    error_message = "brokers must have at least one entry, each keyed by an MSK broker id: a positive whole number without leading zeros, as a string (\"1\", \"2\", ...)."
  }

  validation {
    condition = alltrue([for b in values(var.brokers) :
      can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+$", b.target_group_arn))
      && split(":targetgroup/", b.target_group_arn)[0] == split(":targetgroup/", values(var.brokers)[0].target_group_arn)[0]
    ])
    error_message = "each target_group_arn must be an ELBv2 target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>), all in one region and account."
  }

  validation {
    condition     = length(distinct([for b in values(var.brokers) : b.target_group_arn])) == length(var.brokers) && length(distinct([for b in values(var.brokers) : lower(b.hostname)])) == length(var.brokers)
    error_message = "brokers must not share a target group or a hostname: each broker is one path with its own NLB."
  }

  validation {
    condition = alltrue([for b in values(var.brokers) :
      can(regex("^[a-z0-9-]+\\.[a-z0-9.-]+$", lower(b.hostname))) &&
      join(".", slice(split(".", lower(b.hostname)), 1, length(split(".", b.hostname)))) == join(".", slice(split(".", lower(values(var.brokers)[0].hostname)), 1, length(split(".", values(var.brokers)[0].hostname))))
    ])
    error_message = "each hostname must be a DNS name without port (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com), and all must share one domain (the cluster's)."
  }
}

variable "lambda_zip_path" {
  description = "Path of the zipped heal-lambda (an executable named bootstrap, linux/arm64), built from this repository with `make heal-lambda-zip`."
  type        = string

  validation {
    condition     = fileexists(var.lambda_zip_path) && endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must name an existing .zip file; build it with `make heal-lambda-zip` (bin/heal-lambda.zip)."
  }
}

variable "schedule_enabled" {
  description = "Run the healer on an EventBridge schedule (every schedule_rate_minutes). Off: the function exists and can be invoked by hand, nothing runs on its own and no alarm is made."
  type        = bool
  default     = true
  nullable    = false
}

variable "schedule_rate_minutes" {
  description = "Minutes between scheduled runs: a broker path stays broken for up to this long plus the NLB's health checks (about 30 s) after MSK moves a broker."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.schedule_rate_minutes >= 1 && var.schedule_rate_minutes <= 1440 && floor(var.schedule_rate_minutes) == var.schedule_rate_minutes
    error_message = "schedule_rate_minutes must be a whole number of minutes between 1 and 1440."
  }
}

variable "healthy_timeout_seconds" {
  description = "How long a run waits for a broker's new address to become healthy before it gives up, keeps the old target next to it and reports a failure (the Lambda's timeout is 60 s more). The NLB needs 3 × 10 s of passing health checks, and registration can take a minute or more."
  type        = number
  default     = 180
  nullable    = false

  validation {
    condition     = var.healthy_timeout_seconds >= 10 && var.healthy_timeout_seconds <= 840 && floor(var.healthy_timeout_seconds) == var.healthy_timeout_seconds
    error_message = "healthy_timeout_seconds must be a whole number between 10 and 840 (Lambda stops at 900)."
  }
}

variable "alarms_enabled" {
  description = "With schedule_enabled: CloudWatch alarms on refusals (an ambiguous mapping, nothing healed), on heals that failed or stayed unhealthy, and on the function's errors."
  type        = bool
  default     = true
  nullable    = false
}

variable "refusal_evaluation_periods" {
  description = "Consecutive runs with a refusal before the refusals alarm fires (a refusal while MSK is mid-replacement can clear by itself on the next run)."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.refusal_evaluation_periods >= 1 && var.refusal_evaluation_periods <= 100 && floor(var.refusal_evaluation_periods) == var.refusal_evaluation_periods
    error_message = "refusal_evaluation_periods must be a whole number between 1 and 100."
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
  description = "Retention of the healer's Lambda logs, in days."
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

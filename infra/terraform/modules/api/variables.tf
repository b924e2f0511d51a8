variable "name_prefix" {
  type = string
}

variable "environment" {
  type = string
}

variable "image_uri" {
  type = string
}

variable "engage_environment" {
  type = map(string)
}

variable "lake_bucket_arns" {
  description = "Buckets the API reads (predictions, models) to answer /predict and /ask."
  type        = list(string)
}

variable "throttle_rate_limit" {
  description = "Steady requests per second per API key (usage plan)."
  type        = number
  default     = 200
}

variable "throttle_burst_limit" {
  type    = number
  default = 400
}

variable "monthly_quota" {
  type    = number
  default = 1000000
}

variable "kms_key_arn" {
  description = "The customer-managed data key (modules/data/kms.tf): logs and data at rest."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside its bucket, with a trailing slash (\"lake/\")."
  type        = string
}

variable "lake_bucket_arn" {
  description = "The bucket of ENGAGE_LAKE (the audit trail is appended there)."
  type        = string
}

variable "athena_results_bucket_arn" {
  type = string
}

variable "athena_workgroup_arn" {
  type = string
}

variable "glue_database_names" {
  type = list(string)
}

variable "manage_account_logging_role" {
  description = "Create the account-wide API Gateway CloudWatch role (once per account and region)."
  type        = bool
  default     = true
}

variable "enable_waf" {
  description = "A WAF web ACL (rate limit + AWS managed rules) on the stage."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes from one IP before WAF blocks it."
  type        = number
  default     = 2000
}

variable "alarm_topic_arn" {
  description = "SNS topic of the alarms (API 5xx)."
  type        = string
}

variable "admin_api_key_ids" {
  description = "API Gateway key ids whose callers get the admin role (comma-separated in the Lambda)."
  type        = list(string)
  default     = []
}

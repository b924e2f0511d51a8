variable "name_prefix" {
  description = "Prefix of every resource name; bucket names must be globally unique."
  type        = string
}

variable "environment" {
  description = "Environment tag (aws, localstack, ...)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days before noncurrent object versions and old run artefacts expire."
  type        = number
  default     = 90
}

variable "region" {
  description = "Region of the services named in the data key's policy."
  type        = string
}

variable "manage_catalog_encryption" {
  description = "Set the account's Glue Data Catalog encryption to the data key (one setting per account and region)."
  type        = bool
  default     = true
}

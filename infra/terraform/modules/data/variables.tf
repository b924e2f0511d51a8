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

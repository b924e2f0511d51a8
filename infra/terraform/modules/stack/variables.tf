variable "region" {
  type = string
}

variable "environment" {
  type = string
}

variable "name_prefix" {
  description = "Prefix of every resource name, e.g. \"acme-prod-\"; keeps bucket names unique."
  type        = string
}

variable "availability_zones" {
  type = list(string)
}

variable "image_tag" {
  description = "Tag of the engage image pushed to ECR (docs/deploy-aws.md)."
  type        = string
}

variable "knowledge_base_id" {
  description = "The Bedrock knowledge base made by envs/aws-kb (empty before it exists)."
  type        = string
  default     = ""
}

variable "knowledge_base_data_source_id" {
  type    = string
  default = ""
}

variable "alarm_email" {
  type    = string
  default = ""
}

variable "admin_api_key_ids" {
  description = "API Gateway key ids whose callers may use the API's admin routes."
  type        = list(string)
  default     = []
}

# Account-level and emulator switches: each is on for a real account.
variable "enable_bedrock" {
  type    = bool
  default = true
}

variable "enable_cloudtrail" {
  type    = bool
  default = true
}

variable "enable_guardduty" {
  type    = bool
  default = true
}

variable "enable_security_hub" {
  type    = bool
  default = true
}

variable "enable_waf" {
  type    = bool
  default = true
}

variable "enable_secret_rotation" {
  type    = bool
  default = true
}

variable "manage_account_logging_role" {
  description = "Create the account-wide API Gateway CloudWatch role (false if another stack owns it)."
  type        = bool
  default     = true
}

variable "manage_catalog_encryption" {
  description = "Set the Glue Data Catalog's encryption (account-wide) to the data key."
  type        = bool
  default     = true
}

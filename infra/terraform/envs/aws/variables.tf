variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "aws"
}

variable "name_prefix" {
  description = "Prefix of every resource name, e.g. \"acme-prod-\"; keeps bucket names unique."
  type        = string
}

variable "availability_zones" {
  type    = list(string)
  default = ["us-east-1a", "us-east-1b"]
}

variable "image_tag" {
  description = "Tag of the engage image pushed to ECR (docs/deploy-aws.md)."
  type        = string
}

variable "knowledge_base_id" {
  description = "envs/aws-kb output knowledge_base_id (second apply); empty on the first."
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
  type    = list(string)
  default = []
}

variable "enable_guardduty" {
  description = "false where the account already has a GuardDuty detector (one per region)."
  type        = bool
  default     = true
}

variable "enable_security_hub" {
  description = "false where the account already has Security Hub and a Config recorder."
  type        = bool
  default     = true
}

variable "manage_account_logging_role" {
  description = "false where another stack already set the API Gateway account CloudWatch role."
  type        = bool
  default     = true
}

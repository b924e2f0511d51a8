variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "kms_key_arn" {
  description = "The customer-managed data key: trail logs, the alarm topic."
  type        = string
}

variable "enable_cloudtrail" {
  type    = bool
  default = true
}

variable "enable_guardduty" {
  description = "One GuardDuty detector per account and region: false if the account has one."
  type        = bool
  default     = true
}

variable "enable_security_hub" {
  description = "Security Hub with AWS Foundational Security Best Practices, and the AWS Config recorder its controls need."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic; empty: subscribe by hand."
  type        = string
  default     = ""
}

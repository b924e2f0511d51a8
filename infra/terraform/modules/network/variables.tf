variable "name_prefix" {
  description = "Prefix of every resource name (e.g. \"prod-\")."
  type        = string
}

variable "region" {
  description = "AWS region of the VPC endpoints."
  type        = string
}

variable "cidr_block" {
  description = "VPC CIDR block."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "Two or more AZs for the private subnets."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "The customer-managed data key (modules/data/kms.tf): logs and data at rest."
  type        = string
}

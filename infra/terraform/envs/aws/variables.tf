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

variable "endpoint" {
  description = "LocalStack edge endpoint."
  type        = string
  default     = "http://localhost:4566"
}

variable "image_tag" {
  type    = string
  default = "local"
}

variable "enable_pro_services" {
  description = "Create Athena/Glue, ECS/ECR and Bedrock resources (need LocalStack Pro)."
  type        = bool
  default     = false
}

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

variable "models_bucket_arn" {
  description = "Bucket holding the served model versions."
  type        = string
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

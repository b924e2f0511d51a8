variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "image_tag" {
  description = "Tag of the engage image in ECR (immutable tags: use the git sha)."
  type        = string
}

variable "task_families" {
  description = "Stage names run as Fargate tasks (engage.pipeline.asl.task_names)."
  type        = list(string)
  default = [
    "engagement-training", "churn-training", "ltv-training",
    "recommendation-training", "anomaly-training", "inference",
  ]
}

variable "engage_environment" {
  description = "ENGAGE_* settings of the tasks (lake URL, SQL engine, ...); no secrets."
  type        = map(string)
}

variable "lake_bucket_arns" {
  description = "Buckets the tasks read and write."
  type        = list(string)
}

variable "athena_workgroup_arn" {
  type = string
}

variable "glue_database_names" {
  type = list(string)
}

variable "token_key_secret_arn" {
  description = "Secrets Manager secret holding ENGAGE_TOKEN_KEY."
  type        = string
}

variable "kms_key_arn" {
  description = "The customer-managed data key (modules/data/kms.tf): logs and data at rest."
  type        = string
}

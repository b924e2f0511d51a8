variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "aws"
}

variable "name_prefix" {
  description = "The same prefix as envs/aws."
  type        = string
}

variable "kb_bucket_arn" {
  description = "envs/aws bucket_names[\"knowledge-base\"] as an ARN."
  type        = string
}

variable "kms_key_arn" {
  description = "envs/aws output kms_key_arn (the documents are encrypted with it)."
  type        = string
}

variable "embedding_model_id" {
  type    = string
  default = "amazon.titan-embed-text-v2:0"
}

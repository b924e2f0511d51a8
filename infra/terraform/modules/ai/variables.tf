variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "kb_bucket_arn" {
  description = "Bucket of the knowledge-base documents (model metrics, importance, dictionary)."
  type        = string
}

variable "kb_vector_bucket_arn" {
  type = string
}

variable "kb_vector_index_arn" {
  type = string
}

variable "image_uri" {
  type = string
}

variable "action_group_handler" {
  description = "Handler of the agent's action-group Lambda in the engage image."
  type        = string
  default     = "engage.agent.bedrock_action.handler"
}

variable "agent_model_id" {
  type    = string
  default = "anthropic.claude-3-5-sonnet-20240620-v1:0"
}

variable "embedding_model_id" {
  type    = string
  default = "amazon.titan-embed-text-v2:0"
}

variable "engage_environment" {
  type = map(string)
}

variable "athena_workgroup_arn" {
  type = string
}

variable "lake_bucket_arns" {
  type = list(string)
}

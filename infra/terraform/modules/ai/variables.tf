variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "knowledge_base_id" {
  description = "The envs/aws-kb knowledge base to associate with the agent; empty: none yet."
  type        = string
  default     = ""
}

variable "enable_bedrock" {
  description = "Create the Bedrock agent, its action group and guardrail (false where the emulator lacks them)."
  type        = bool
  default     = true
}

variable "athena_results_bucket_arn" {
  type = string
}

variable "glue_database_names" {
  type = list(string)
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

variable "engage_environment" {
  type = map(string)
}

variable "athena_workgroup_arn" {
  type = string
}

variable "lake_bucket_arns" {
  type = list(string)
}

variable "kms_key_arn" {
  description = "The customer-managed data key (modules/data/kms.tf): logs and data at rest."
  type        = string
}

variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "image_uri" {
  description = "The engage image (ECR repository URL and tag) used by the container Lambdas."
  type        = string
}

variable "engage_environment" {
  description = "ENGAGE_* settings of the Lambdas (same as the Fargate tasks); no secrets."
  type        = map(string)
}

variable "lambda_stages" {
  description = "Lambda stage name -> handler (module.handler) in the engage image."
  type        = map(string)
  default = {
    "pre-cleanup"           = "engage.stages.pre_cleanup.handler"
    "data-prep"             = "engage.stages.data_prep.handler"
    "data-validation"       = "engage.stages.data_validation.handler"
    "segmentation"          = "engage.stages.segmentation.handler"
    "premium-uplift"        = "engage.stages.premium_uplift.handler"
    "ensemble-predictions"  = "engage.stages.ensemble.handler"
    "create-qa-table"       = "engage.stages.qa_table.handler"
    "create-results-table"  = "engage.stages.results_table.handler"
    "update-knowledge-base" = "engage.stages.knowledge_base.handler"
    "network-analysis"      = "engage.stages.network_analysis.handler"
    "sentiment-scoring"     = "engage.stages.sentiment.handler"
    "next-best-action"      = "engage.stages.next_best_action.handler"
    "engagement-forecast"   = "engage.stages.forecast.handler"
    "merge-shard-scores"    = "engage.stages.shard_merge.handler"
  }
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "ecs_cluster_name" {
  type = string
}

variable "ecs_cluster_arn" {
  type = string
}

variable "task_definition_arns" {
  description = "Fargate task definitions (without revision) the state machine may run."
  type        = list(string)
}

variable "ecs_role_arns" {
  description = "ECS task and execution roles the state machine passes to RunTask."
  type        = list(string)
}

variable "lake_bucket_arns" {
  type = list(string)
}

variable "lake_bucket_name" {
  description = "The bucket of ENGAGE_LAKE (s3://<this>/lake): the ScoreShards Map's ResultWriter writes there."
  type        = string
}

variable "athena_workgroup_arn" {
  type = string
}

variable "glue_database_names" {
  type = list(string)
}

variable "token_key_secret_arn" {
  type = string
}

variable "schedule_expression" {
  description = "When the pipeline runs (EventBridge), weekly by default."
  type        = string
  default     = "cron(0 3 ? * MON *)"
}

variable "kms_key_arn" {
  description = "The customer-managed data key (modules/data/kms.tf): logs and data at rest."
  type        = string
}

variable "cache_table_name" {
  description = "The API's DynamoDB prediction cache, warmed by the ensemble stage."
  type        = string
}

variable "cache_table_arn" {
  type = string
}

variable "kb_bucket_name" {
  description = "Bucket of the Bedrock knowledge base's documents (written by update-knowledge-base)."
  type        = string
}

variable "knowledge_base_id" {
  description = "Bedrock knowledge base to re-ingest after each run (envs/aws-kb output); empty: none yet."
  type        = string
  default     = ""
}

variable "knowledge_base_data_source_id" {
  type    = string
  default = ""
}

variable "alarm_topic_arn" {
  description = "SNS topic of the pipeline-failure alarms."
  type        = string
}

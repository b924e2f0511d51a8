output "state_machine_arn" {
  value = module.compute.state_machine_arn
}

output "api_invoke_url" {
  value = module.api.invoke_url
}

output "api_key_id" {
  value = module.api.api_key_id
}

output "ecr_repository_url" {
  value = module.ml.repository_url
}

output "lake_url" {
  value = local.engage_environment["ENGAGE_LAKE"]
}

output "incoming_url" {
  description = "Where the customer files of a run go before it starts (ENGAGE_SOURCE_URL)."
  value       = local.engage_environment["ENGAGE_SOURCE_URL"]
}

output "bucket_names" {
  value = module.data.bucket_names
}

output "kms_key_arn" {
  value = module.data.kms_key_arn
}

output "cache_table_name" {
  value = module.api.cache_table_name
}

output "lambda_function_names" {
  value = merge(
    { for k, arn in module.compute.lambda_function_arns : k => element(split(":", arn), 6) },
    { api = module.api.lambda_function_name, agent-action = module.ai.action_function_name },
  )
}

output "task_definition_arns" {
  value = module.ml.task_definition_arns
}

# `terraform output -json asl_values > env.json; engage asl --env-file env.json` renders
# exactly the definition this stack deploys.
output "asl_values" {
  value = {
    AccountId      = data.aws_caller_identity.current.account_id
    Region         = var.region
    Prefix         = var.name_prefix
    EcsCluster     = module.ml.cluster_arn
    Subnets        = module.network.private_subnet_ids
    SecurityGroups = [module.network.workload_security_group_id]
    # the ScoreShards Map's ResultWriter (modules/compute/step_functions.tf)
    ShardResultsBucket = local.lake_bucket
    ShardResultsPrefix = "lake/engagement-data/processed/inference_shards/results"
  }
}

data "aws_caller_identity" "current" {}

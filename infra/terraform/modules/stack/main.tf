# The whole stack: network -> data -> security -> ml (ECR/ECS) -> compute (Lambdas,
# Step Functions) -> api (API Gateway, DynamoDB, WAF) -> ai (Bedrock agent, guardrail).
# envs/aws deploys it to an account; envs/emulator applies the same module to a
# moto_server on loopback, with the flags below off where the emulator lacks a service.
locals {
  lake_bucket_arns = values(module.data.bucket_arns)
  lake_bucket      = module.data.bucket_names["processed"]
  engage_environment = {
    ENGAGE_LAKE             = "s3://${local.lake_bucket}/lake"
    ENGAGE_SQL_ENGINE       = "athena"
    ENGAGE_ATHENA_WORKGROUP = module.data.athena_workgroup
    ENGAGE_ATHENA_OUTPUT    = "s3://${module.data.bucket_names["athena-results"]}/results/"
    ENGAGE_AWS_REGION       = var.region
    ENGAGE_DATA_DIR         = "/tmp/engage"
    ENGAGE_SOURCE_URL       = "s3://${module.data.bucket_names["raw"]}/incoming"
  }
  image_uri = "${module.ml.repository_url}:${var.image_tag}"
}

module "network" {
  source             = "../network"
  name_prefix        = var.name_prefix
  region             = var.region
  availability_zones = var.availability_zones
  kms_key_arn        = module.data.kms_key_arn
}

module "data" {
  source      = "../data"
  name_prefix = var.name_prefix
  environment = var.environment
  region      = var.region

  manage_catalog_encryption = var.manage_catalog_encryption
}

module "security" {
  source              = "../security"
  name_prefix         = var.name_prefix
  region              = var.region
  kms_key_arn         = module.data.kms_key_arn
  enable_cloudtrail   = var.enable_cloudtrail
  enable_guardduty    = var.enable_guardduty
  enable_security_hub = var.enable_security_hub
  alarm_email         = var.alarm_email
}

module "ml" {
  source               = "../ml"
  name_prefix          = var.name_prefix
  region               = var.region
  image_tag            = var.image_tag
  engage_environment   = local.engage_environment
  lake_bucket_arns     = local.lake_bucket_arns
  athena_workgroup_arn = module.data.athena_workgroup_arn
  glue_database_names  = values(module.data.glue_database_names)
  token_key_secret_arn = aws_secretsmanager_secret.token_key.arn
  kms_key_arn          = module.data.kms_key_arn
}

module "compute" {
  source                        = "../compute"
  name_prefix                   = var.name_prefix
  region                        = var.region
  image_uri                     = local.image_uri
  engage_environment            = local.engage_environment
  subnet_ids                    = module.network.private_subnet_ids
  security_group_ids            = [module.network.workload_security_group_id]
  ecs_cluster_name              = module.ml.cluster_name
  ecs_cluster_arn               = module.ml.cluster_arn
  task_definition_arns          = values(module.ml.task_definition_arns)
  ecs_role_arns                 = [module.ml.task_role_arn, module.ml.execution_role_arn]
  lake_bucket_arns              = local.lake_bucket_arns
  lake_bucket_name              = local.lake_bucket
  athena_workgroup_arn          = module.data.athena_workgroup_arn
  glue_database_names           = values(module.data.glue_database_names)
  token_key_secret_arn          = aws_secretsmanager_secret.token_key.arn
  kms_key_arn                   = module.data.kms_key_arn
  cache_table_name              = module.api.cache_table_name
  cache_table_arn               = module.api.cache_table_arn
  kb_bucket_name                = module.data.bucket_names["knowledge-base"]
  knowledge_base_id             = var.knowledge_base_id
  knowledge_base_data_source_id = var.knowledge_base_data_source_id
  alarm_topic_arn               = module.security.alarm_topic_arn
}

module "api" {
  source                      = "../api"
  name_prefix                 = var.name_prefix
  environment                 = var.environment
  image_uri                   = local.image_uri
  engage_environment          = local.engage_environment
  lake_bucket_arns            = local.lake_bucket_arns
  lake_bucket_arn             = module.data.bucket_arns["processed"]
  lake_prefix                 = "lake/"
  athena_results_bucket_arn   = module.data.bucket_arns["athena-results"]
  athena_workgroup_arn        = module.data.athena_workgroup_arn
  glue_database_names         = values(module.data.glue_database_names)
  kms_key_arn                 = module.data.kms_key_arn
  manage_account_logging_role = var.manage_account_logging_role
  enable_waf                  = var.enable_waf
  alarm_topic_arn             = module.security.alarm_topic_arn
  admin_api_key_ids           = var.admin_api_key_ids
}

module "ai" {
  source                    = "../ai"
  name_prefix               = var.name_prefix
  region                    = var.region
  image_uri                 = local.image_uri
  engage_environment        = local.engage_environment
  athena_workgroup_arn      = module.data.athena_workgroup_arn
  athena_results_bucket_arn = module.data.bucket_arns["athena-results"]
  glue_database_names       = values(module.data.glue_database_names)
  lake_bucket_arns          = local.lake_bucket_arns
  kms_key_arn               = module.data.kms_key_arn
  enable_bedrock            = var.enable_bedrock
  knowledge_base_id         = var.knowledge_base_id
}

# The whole stack: network -> data -> ml (ECR/ECS) -> compute (Lambdas, Step Functions)
# -> api (API Gateway, DynamoDB) -> ai (Bedrock knowledge base and agent).
resource "aws_secretsmanager_secret" "token_key" {
  name        = "${var.name_prefix}engage/token-key"
  description = "ENGAGE_TOKEN_KEY: HMAC key of customer-id tokens (set the value by hand)"
}

locals {
  lake_bucket_arns = values(module.data.bucket_arns)
  engage_environment = {
    ENGAGE_LAKE             = "s3://${module.data.bucket_names["processed"]}/lake"
    ENGAGE_SQL_ENGINE       = "athena"
    ENGAGE_ATHENA_WORKGROUP = module.data.athena_workgroup
    ENGAGE_AWS_REGION       = var.region
    ENGAGE_DATA_DIR         = "/tmp/engage"
  }
  image_uri = "${module.ml.repository_url}:${var.image_tag}"
}

module "network" {
  source             = "../../modules/network"
  name_prefix        = var.name_prefix
  region             = var.region
  availability_zones = var.availability_zones
}

module "data" {
  source      = "../../modules/data"
  name_prefix = var.name_prefix
  environment = var.environment
}

module "ml" {
  source               = "../../modules/ml"
  name_prefix          = var.name_prefix
  region               = var.region
  image_tag            = var.image_tag
  engage_environment   = local.engage_environment
  lake_bucket_arns     = local.lake_bucket_arns
  athena_workgroup_arn = module.data.athena_workgroup_arn
  glue_database_names  = values(module.data.glue_database_names)
  token_key_secret_arn = aws_secretsmanager_secret.token_key.arn
}

module "compute" {
  source               = "../../modules/compute"
  name_prefix          = var.name_prefix
  region               = var.region
  image_uri            = local.image_uri
  engage_environment   = local.engage_environment
  subnet_ids           = module.network.private_subnet_ids
  security_group_ids   = [module.network.workload_security_group_id]
  ecs_cluster_name     = module.ml.cluster_name
  ecs_cluster_arn      = module.ml.cluster_arn
  task_definition_arns = values(module.ml.task_definition_arns)
  ecs_role_arns        = [module.ml.task_role_arn, module.ml.execution_role_arn]
  lake_bucket_arns     = local.lake_bucket_arns
  athena_workgroup_arn = module.data.athena_workgroup_arn
  glue_database_names  = values(module.data.glue_database_names)
  token_key_secret_arn = aws_secretsmanager_secret.token_key.arn
}

module "api" {
  source             = "../../modules/api"
  name_prefix        = var.name_prefix
  environment        = var.environment
  image_uri          = local.image_uri
  engage_environment = local.engage_environment
  models_bucket_arn  = module.data.bucket_arns["models"]
  lake_bucket_arns   = local.lake_bucket_arns
}

module "ai" {
  source               = "../../modules/ai"
  name_prefix          = var.name_prefix
  region               = var.region
  image_uri            = local.image_uri
  engage_environment   = local.engage_environment
  kb_bucket_arn        = module.data.bucket_arns["knowledge-base"]
  kb_vector_bucket_arn = module.data.kb_vector_bucket_arn
  kb_vector_index_arn  = module.data.kb_vector_index_arn
  athena_workgroup_arn = module.data.athena_workgroup_arn
  lake_bucket_arns     = local.lake_bucket_arns
}

# The whole stack (modules/stack, the same module envs/aws deploys) applied to an AWS
# emulator: moto_server on loopback (tests/integration/aws/test_terraform_apply.py
# starts one and applies this). The switches below turn off only what moto 5.2 cannot
# create; docs/deploy-aws.md lists them ("What the emulator proves").
module "stack" {
  source             = "../../modules/stack"
  region             = "us-east-1"
  environment        = "emulator"
  name_prefix        = var.name_prefix
  availability_zones = ["us-east-1a", "us-east-1b"]
  image_tag          = var.image_tag

  enable_bedrock              = false # moto has no Bedrock agents, action groups or guardrails
  enable_security_hub         = false # moto lacks Security Hub standards subscriptions
  enable_waf                  = var.enable_waf
  enable_cloudtrail           = var.enable_cloudtrail
  enable_guardduty            = var.enable_guardduty
  enable_secret_rotation      = false # moto's RotateSecret fails on a secret with no version yet
  manage_catalog_encryption   = false # moto does not keep Glue catalog encryption settings
  manage_account_logging_role = var.manage_account_logging_role
}

output "stack" {
  value = {
    state_machine_arn     = module.stack.state_machine_arn
    api_key_id            = module.stack.api_key_id
    lake_url              = module.stack.lake_url
    incoming_url          = module.stack.incoming_url
    bucket_names          = module.stack.bucket_names
    kms_key_arn           = module.stack.kms_key_arn
    cache_table_name      = module.stack.cache_table_name
    lambda_function_names = module.stack.lambda_function_names
    task_definition_arns  = module.stack.task_definition_arns
    asl_values            = module.stack.asl_values
  }
}

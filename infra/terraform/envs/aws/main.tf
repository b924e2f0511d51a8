# A real account: the whole stack (modules/stack), every security service on.
module "stack" {
  source                        = "../../modules/stack"
  region                        = var.region
  environment                   = var.environment
  name_prefix                   = var.name_prefix
  availability_zones            = var.availability_zones
  image_tag                     = var.image_tag
  knowledge_base_id             = var.knowledge_base_id
  knowledge_base_data_source_id = var.knowledge_base_data_source_id
  alarm_email                   = var.alarm_email
  admin_api_key_ids             = var.admin_api_key_ids
  enable_guardduty              = var.enable_guardduty
  enable_security_hub           = var.enable_security_hub
  manage_account_logging_role   = var.manage_account_logging_role
}

output "state_machine_arn" {
  value = module.compute.state_machine_arn
}

output "api_invoke_url" {
  value = module.api.invoke_url
}

output "ecr_repository_url" {
  value = module.ml.repository_url
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
  }
}

data "aws_caller_identity" "current" {}

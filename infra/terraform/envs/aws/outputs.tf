output "state_machine_arn" {
  value = module.stack.state_machine_arn
}

output "api_invoke_url" {
  value = module.stack.api_invoke_url
}

output "api_key_id" {
  value = module.stack.api_key_id
}

output "ecr_repository_url" {
  value = module.stack.ecr_repository_url
}

output "incoming_url" {
  value = module.stack.incoming_url
}

output "bucket_names" {
  value = module.stack.bucket_names
}

output "kms_key_arn" {
  value = module.stack.kms_key_arn
}

# `terraform output -json asl_values > env.json; engage asl --env-file env.json` renders
# exactly the definition this stack deploys.
output "asl_values" {
  value = module.stack.asl_values
}

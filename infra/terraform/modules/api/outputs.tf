output "invoke_url" {
  value = aws_api_gateway_stage.v1.invoke_url
}

output "api_key_id" {
  value = aws_api_gateway_api_key.default.id
}

output "cache_table_name" {
  value = aws_dynamodb_table.predictions_cache.name
}

output "cache_table_arn" {
  value = aws_dynamodb_table.predictions_cache.arn
}

output "lambda_function_name" {
  value = aws_lambda_function.api.function_name
}

output "rest_api_id" {
  value = aws_api_gateway_rest_api.engagement.id
}

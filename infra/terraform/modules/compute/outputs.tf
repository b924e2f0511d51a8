output "state_machine_arn" {
  value = aws_sfn_state_machine.pipeline.arn
}

output "lambda_function_arns" {
  value = { for k, f in aws_lambda_function.stage : k => f.arn }
}

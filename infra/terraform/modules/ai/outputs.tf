output "agent_id" {
  value = var.enable_bedrock ? aws_bedrockagent_agent.engagement[0].agent_id : null
}

output "action_function_name" {
  value = aws_lambda_function.action.function_name
}

output "guardrail_id" {
  value = var.enable_bedrock ? aws_bedrock_guardrail.agent[0].guardrail_id : null
}

output "knowledge_base_id" {
  value = aws_bedrockagent_knowledge_base.engagement.id
}

output "agent_id" {
  value = aws_bedrockagent_agent.engagement.agent_id
}

# Seed §3.1: the knowledge base reads the documents the update-knowledge-base stage
# writes to the knowledge-base bucket, under one prefix (a data source admits at most
# one inclusion prefix). Its S3 vector store needs the aws_s3vectors_* resources of a
# newer provider (>= 6.x), so the knowledge base itself is the separate root
# envs/aws-kb, applied after this stack; its ids go back in as variables.
locals {
  agent_model_arn = "arn:aws:bedrock:${var.region}::foundation-model/${var.agent_model_id}"
}

resource "aws_bedrockagent_agent_knowledge_base_association" "engagement" {
  count                = var.knowledge_base_id == "" ? 0 : 1
  agent_id             = aws_bedrockagent_agent.engagement[0].agent_id
  knowledge_base_id    = var.knowledge_base_id
  knowledge_base_state = "ENABLED"
  description          = "Engagement model metrics, feature importance and data dictionary"
}

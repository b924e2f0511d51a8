# A Bedrock guardrail on the agent: refuses prompt attacks and harmful content, and
# masks personal data an answer might echo (the agent reads pseudonymised tables only).
resource "aws_bedrock_guardrail" "agent" {
  count                     = var.enable_bedrock ? 1 : 0
  name                      = "${var.name_prefix}engagement-agent"
  description               = "Analyst Q&A over engagement predictions"
  blocked_input_messaging   = "This question cannot be answered by the engagement assistant."
  blocked_outputs_messaging = "The answer was withheld by the engagement assistant's guardrail."
  kms_key_arn               = var.kms_key_arn

  content_policy_config {
    dynamic "filters_config" {
      for_each = ["HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT"]
      content {
        type            = filters_config.value
        input_strength  = "HIGH"
        output_strength = "HIGH"
      }
    }
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
  }

  sensitive_information_policy_config {
    dynamic "pii_entities_config" {
      for_each = ["EMAIL", "PHONE", "NAME", "ADDRESS", "CREDIT_DEBIT_CARD_NUMBER"]
      content {
        type   = pii_entities_config.value
        action = "ANONYMIZE"
      }
    }
  }
}

resource "aws_bedrock_guardrail_version" "agent" {
  count         = var.enable_bedrock ? 1 : 0
  guardrail_arn = aws_bedrock_guardrail.agent[0].guardrail_arn
  description   = "Deployed with the agent"
}

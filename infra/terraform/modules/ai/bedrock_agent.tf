# Seed §3.2: the agent answers from the knowledge base and runs read-only Athena
# queries through one action-group Lambda (the same engage image). The function
# schema below mirrors engage.agent.bedrock_action.FUNCTIONS; a test keeps the names,
# parameters and types in step (tests/unit/agent/test_bedrock_action.py).
resource "aws_bedrockagent_agent" "engagement" {
  count                       = var.enable_bedrock ? 1 : 0
  agent_name                  = "${var.name_prefix}engagement-agent"
  agent_resource_role_arn     = aws_iam_role.agent[0].arn
  foundation_model            = var.agent_model_id
  idle_session_ttl_in_seconds = 600
  customer_encryption_key_arn = var.kms_key_arn

  guardrail_configuration {
    guardrail_identifier = aws_bedrock_guardrail.agent[0].guardrail_id
    guardrail_version    = aws_bedrock_guardrail_version.agent[0].version
  }
  instruction = <<-EOT
    You help business analysts understand customer engagement predictions.
    Answer from the knowledge base (model metrics, feature importance, data dictionary)
    and from the athena-actions functions (read-only query_athena, feature_stats,
    explain_customer, model_metrics, feature_importance, compare_segments).
    Cite the model version and run id of every number; never invent a figure.
  EOT
}

resource "aws_cloudwatch_log_group" "action" {
  name              = "/aws/lambda/${var.name_prefix}agent-action-lambda"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "action" {
  function_name = "${var.name_prefix}agent-action-lambda"
  role          = aws_iam_role.action.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  timeout       = 60
  memory_size   = 1024
  kms_key_arn   = var.kms_key_arn

  image_config {
    command = [var.action_group_handler]
  }

  environment {
    variables = var.engage_environment
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.action]
}

resource "aws_lambda_permission" "agent" {
  count         = var.enable_bedrock ? 1 : 0
  statement_id  = "AllowBedrockAgent"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.action.function_name
  principal     = "bedrock.amazonaws.com"
  source_arn    = aws_bedrockagent_agent.engagement[0].agent_arn
}

resource "aws_bedrockagent_agent_action_group" "athena" {
  count             = var.enable_bedrock ? 1 : 0
  agent_id          = aws_bedrockagent_agent.engagement[0].agent_id
  agent_version     = "DRAFT"
  action_group_name = "athena-actions"

  action_group_executor {
    lambda = aws_lambda_function.action.arn
  }

  function_schema {
    member_functions {
      functions {
        name        = "query_athena"
        description = "Run one read-only SELECT over the engagement tables"
        parameters {
          map_block_key = "sql_query"
          type          = "string"
          description   = "A SELECT statement (Athena SQL)"
          required      = true
        }
      }
      functions {
        name        = "feature_stats"
        description = "Summary statistics (count, missing, mean, std, min, median, max) per numeric feature"
        parameters {
          map_block_key = "features"
          type          = "array"
          description   = "Feature names; all model features if omitted"
          required      = false
        }
        parameters {
          map_block_key = "filters"
          type          = "array"
          description   = "JSON list of [column, op, value], e.g. [[\"age\", \">\", 40]]"
          required      = false
        }
      }
      functions {
        name        = "explain_customer"
        description = "Stored engagement prediction and its top SHAP features for one customer"
        parameters {
          map_block_key = "customer_id"
          type          = "string"
          description   = "The customer id"
          required      = true
        }
      }
      functions {
        name        = "model_metrics"
        description = "Train, validation and test metrics of a model's latest version"
        parameters {
          map_block_key = "model"
          type          = "string"
          description   = "Model name (default engagement)"
          required      = false
        }
      }
      functions {
        name        = "feature_importance"
        description = "Mean absolute SHAP per feature of a model's latest version: the top or bottom k"
        parameters {
          map_block_key = "model"
          type          = "string"
          description   = "Model name (default engagement)"
          required      = false
        }
        parameters {
          map_block_key = "k"
          type          = "integer"
          description   = "How many features (default 5)"
          required      = false
        }
        parameters {
          map_block_key = "order"
          type          = "string"
          description   = "top or bottom (default top)"
          required      = false
        }
      }
      functions {
        name        = "compare_segments"
        description = "Mean of a metric and customer count per segment (a column or a named bucketing)"
        parameters {
          map_block_key = "by"
          type          = "string"
          description   = "Column or named segment to group by"
          required      = true
        }
        parameters {
          map_block_key = "metric"
          type          = "string"
          description   = "Numeric column (default the engagement score)"
          required      = false
        }
        parameters {
          map_block_key = "filters"
          type          = "array"
          description   = "JSON list of [column, op, value], e.g. [[\"age\", \">\", 40]]"
          required      = false
        }
      }
    }
  }
}

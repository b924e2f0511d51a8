data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  glue_read_arns = concat(
    ["arn:aws:glue:${var.region}:${local.account_id}:catalog"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:database/${d}"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:table/${d}/*"],
  )
}

data "aws_iam_policy_document" "bedrock_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "agent" {
  count              = var.enable_bedrock ? 1 : 0
  name               = "${var.name_prefix}engagement-agent"
  assume_role_policy = data.aws_iam_policy_document.bedrock_assume.json
}

data "aws_iam_policy_document" "agent" {
  statement {
    sid       = "InvokeModel"
    actions   = ["bedrock:InvokeModel"]
    resources = [local.agent_model_arn]
  }
  statement {
    sid       = "Guardrail"
    actions   = ["bedrock:ApplyGuardrail"]
    resources = ["arn:aws:bedrock:${var.region}:${local.account_id}:guardrail/*"]
  }
  statement {
    sid       = "Retrieve"
    actions   = ["bedrock:Retrieve"]
    resources = ["arn:aws:bedrock:${var.region}:${local.account_id}:knowledge-base/*"]
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "agent" {
  count  = var.enable_bedrock ? 1 : 0
  name   = "agent"
  role   = aws_iam_role.agent[0].id
  policy = data.aws_iam_policy_document.agent.json
}

resource "aws_iam_role" "action" {
  name = "${var.name_prefix}engagement-agent-action"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The action-group Lambda runs read-only Athena queries (engage/deploy/iam_calls.py).
data "aws_iam_policy_document" "action" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.action.arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # exception: X-Ray has no resource-level permissions
  }
  statement {
    sid       = "Athena"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"]
    resources = [var.athena_workgroup_arn]
  }
  statement {
    sid       = "ReadCatalog"
    actions   = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
    resources = local.glue_read_arns
  }
  statement {
    sid       = "ReadLake"
    actions   = ["s3:GetObject"]
    resources = [for arn in var.lake_bucket_arns : "${arn}/*"]
  }
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = var.lake_bucket_arns
  }
  statement {
    sid       = "QueryResults"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.athena_results_bucket_arn}/*"]
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "action" {
  name   = "read-only-queries"
  role   = aws_iam_role.action.id
  policy = data.aws_iam_policy_document.action.json
}

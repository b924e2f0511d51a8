data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  glue_read_arns = concat(
    ["arn:aws:glue:${local.region}:${local.account_id}:catalog"],
    [for d in var.glue_database_names : "arn:aws:glue:${local.region}:${local.account_id}:database/${d}"],
    [for d in var.glue_database_names : "arn:aws:glue:${local.region}:${local.account_id}:table/${d}/*"],
  )
}

resource "aws_iam_role" "api_lambda" {
  name = "${var.name_prefix}engagement-api"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# What engage.api does on Lambda (engage/deploy/iam_calls.py lists each call): serve from
# the cache and the lake, append audit records, answer /ask with read-only Athena queries.
data "aws_iam_policy_document" "api_lambda" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.api_lambda.arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # exception: X-Ray has no resource-level permissions
  }
  statement {
    sid = "Cache"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable",
    ]
    resources = [
      aws_dynamodb_table.predictions_cache.arn,
      "${aws_dynamodb_table.predictions_cache.arn}/index/model_version-timestamp-index",
    ]
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
    sid       = "AppendAudit"
    actions   = ["s3:PutObject"]
    resources = ["${var.lake_bucket_arn}/${var.lake_prefix}engagement-audit/*"]
  }
  statement {
    sid       = "QueryResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = ["${var.athena_results_bucket_arn}/*"]
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
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "api_lambda" {
  name   = "serve"
  role   = aws_iam_role.api_lambda.id
  policy = data.aws_iam_policy_document.api_lambda.json
}

# API Gateway writes access logs through one account-wide CloudWatch role; a fresh
# account has none, and a stage with access logging cannot be created without it.
resource "aws_iam_role" "apigateway_cloudwatch" {
  count = var.manage_account_logging_role ? 1 : 0
  name  = "${var.name_prefix}apigateway-cloudwatch"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "apigateway_cloudwatch" {
  count      = var.manage_account_logging_role ? 1 : 0
  role       = aws_iam_role.apigateway_cloudwatch[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_account_logging_role ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch[0].arn
  depends_on          = [aws_iam_role_policy_attachment.apigateway_cloudwatch]
}

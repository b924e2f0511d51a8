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
      "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:DescribeTable",
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
    actions   = ["s3:ListBucket"]
    resources = var.lake_bucket_arns
  }
}

resource "aws_iam_role_policy" "api_lambda" {
  name   = "serve"
  role   = aws_iam_role.api_lambda.id
  policy = data.aws_iam_policy_document.api_lambda.json
}

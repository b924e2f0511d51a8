data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  glue_arns = concat(
    ["arn:aws:glue:${var.region}:${local.account_id}:catalog"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:database/${d}"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:table/${d}/*"],
  )
}

# --- Lambda stages ---------------------------------------------------------------
resource "aws_iam_role" "lambda" {
  name = "${var.name_prefix}engagement-lambda-stages"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for g in aws_cloudwatch_log_group.stage : "${g.arn}:*"]
  }
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
      "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"] # exception: see iam_wildcard_exceptions.json
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # exception: X-Ray has no resource-level permissions
  }
  statement {
    sid       = "LakeList"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = var.lake_bucket_arns
  }
  statement {
    sid       = "LakeObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for arn in var.lake_bucket_arns : "${arn}/*"]
  }
  statement {
    sid = "Athena"
    actions = [
      "athena:StartQueryExecution", "athena:GetQueryExecution",
      "athena:GetQueryResults", "athena:StopQueryExecution",
    ]
    resources = [var.athena_workgroup_arn]
  }
  statement {
    sid = "Glue"
    actions = [
      "glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:GetTable",
      "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
      "glue:GetPartition", "glue:GetPartitions", "glue:BatchCreatePartition",
    ]
    resources = local.glue_arns
  }
  statement {
    sid       = "TokenKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.token_key_secret_arn]
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid = "LakeMultipart"
    actions = [
      "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload",
    ]
    resources = concat(var.lake_bucket_arns, [for arn in var.lake_bucket_arns : "${arn}/*"])
  }
  statement {
    sid = "Cache"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable",
    ]
    resources = [var.cache_table_arn, "${var.cache_table_arn}/index/*"]
  }
  statement {
    sid       = "KnowledgeBaseIngestion"
    actions   = ["bedrock:StartIngestionJob", "bedrock:GetIngestionJob"]
    resources = ["arn:aws:bedrock:${var.region}:${local.account_id}:knowledge-base/*"]
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "stages"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

# --- Step Functions ----------------------------------------------------------------
resource "aws_iam_role" "sfn" {
  name = "${var.name_prefix}engagement-sfn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "sfn" {
  statement {
    sid       = "InvokeStages"
    actions   = ["lambda:InvokeFunction"]
    resources = [for f in aws_lambda_function.stage : f.arn]
  }
  statement {
    sid       = "RunTasks"
    actions   = ["ecs:RunTask"]
    resources = [for arn in var.task_definition_arns : "${arn}:*"]
  }
  statement {
    sid       = "TrackTasks"
    actions   = ["ecs:StopTask", "ecs:DescribeTasks"]
    resources = ["arn:aws:ecs:${var.region}:${local.account_id}:task/${var.ecs_cluster_name}/*"]
  }
  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.ecs_role_arns
  }
  statement {
    sid       = "SyncRule"
    actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
    resources = ["arn:aws:events:${var.region}:${local.account_id}:rule/StepFunctionsGetEventsForECSTaskRule"]
  }
  statement {
    sid = "Logging"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"] # exception: CloudWatch Logs vended delivery APIs need "*"
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"] # exception: X-Ray has no resource-level permissions
  }
}

resource "aws_iam_role_policy" "sfn" {
  name   = "orchestrate"
  role   = aws_iam_role.sfn.id
  policy = data.aws_iam_policy_document.sfn.json
}

# --- EventBridge schedule ----------------------------------------------------------
resource "aws_iam_role" "events" {
  name = "${var.name_prefix}engagement-schedule"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "events" {
  statement {
    sid       = "StartPipeline"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.pipeline.arn]
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "start-pipeline"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}

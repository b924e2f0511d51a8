data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  glue_arns = concat(
    ["arn:aws:glue:${var.region}:${local.account_id}:catalog"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:database/${d}"],
    [for d in var.glue_database_names : "arn:aws:glue:${var.region}:${local.account_id}:table/${d}/*"],
  )
  # The state machine's own ARNs, built from its name: the Distributed Map's child
  # executions run on it, and its role policy may not refer to the machine (a cycle).
  sfn_name      = "${var.name_prefix}engagement-ml-pipeline"
  sfn_arn_base  = "arn:aws:states:${var.region}:${local.account_id}"
  shards_prefix = "lake/engagement-data/processed/inference_shards"
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
  # Distributed Map ScoreShards: one child workflow execution per customer shard, on
  # this state machine (AWS: "IAM policies for using Distributed Map states").
  statement {
    sid       = "StartShardExecutions"
    actions   = ["states:StartExecution"]
    resources = ["${local.sfn_arn_base}:stateMachine:${local.sfn_name}"]
  }
  # Child executions are named execution:<machine>/<map run label>:<id>.
  statement {
    sid       = "TrackShardExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${local.sfn_arn_base}:execution:${local.sfn_name}/*"]
  }
  # The Map Run of ScoreShards: mapRun:<machine>/<map run label>:<id>.
  statement {
    sid       = "ShardMapRuns"
    actions   = ["states:DescribeMapRun", "states:UpdateMapRun"]
    resources = ["${local.sfn_arn_base}:mapRun:${local.sfn_name}/*"]
  }
  # ListMapRuns is authorised on the parent execution whose Map Runs it lists.
  statement {
    sid       = "ListShardMapRuns"
    actions   = ["states:ListMapRuns"]
    resources = ["${local.sfn_arn_base}:execution:${local.sfn_name}:*"]
  }
  # ItemReader (arn:aws:states:::s3:getObject, JSON): the shard manifest only.
  statement {
    sid       = "ReadShardManifest"
    actions   = ["s3:GetObject"]
    resources = [for arn in var.lake_bucket_arns : "${arn}/${local.shards_prefix}/manifest.json"]
  }
  # ResultWriter (arn:aws:states:::s3:putObject): child-execution results, written in
  # multipart uploads, under the results prefix only.
  statement {
    sid = "WriteShardResults"
    actions = [
      "s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload",
    ]
    resources = [for arn in var.lake_bucket_arns : "${arn}/${local.shards_prefix}/results/*"]
  }
  # The lake is SSE-KMS under the data key: reading the manifest needs Decrypt,
  # writing results needs GenerateDataKey (and Decrypt for the multipart upload).
  statement {
    sid       = "ShardDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
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

# ENGAGE_TOKEN_KEY, the HMAC key of customer-id tokens: a random value, encrypted with
# the data key, rotated every 90 days by the engage image's rotation handler
# (engage.deploy.rotate). New tokens after a rotation are intended: a pseudonym does
# not link a customer across key periods (docs/deploy-aws.md, "Token key rotation").
resource "aws_secretsmanager_secret" "token_key" {
  name        = "${var.name_prefix}engage/token-key"
  description = "ENGAGE_TOKEN_KEY: HMAC key of customer-id tokens (rotated by engage.deploy.rotate)"
  kms_key_id  = module.data.kms_key_arn
}

resource "aws_cloudwatch_log_group" "rotate" {
  name              = "/aws/lambda/${var.name_prefix}token-key-rotation"
  retention_in_days = 365
  kms_key_id        = module.data.kms_key_arn
}

resource "aws_iam_role" "rotate" {
  name = "${var.name_prefix}engagement-token-key-rotation"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "rotate" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rotate.arn}:*"]
  }
  statement {
    sid = "RotateTheOneSecret"
    actions = [
      "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
    ]
    resources = [aws_secretsmanager_secret.token_key.arn]
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [module.data.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "rotate" {
  name   = "rotate-token-key"
  role   = aws_iam_role.rotate.id
  policy = data.aws_iam_policy_document.rotate.json
}

resource "aws_lambda_function" "rotate" {
  function_name = "${var.name_prefix}token-key-rotation"
  role          = aws_iam_role.rotate.arn
  package_type  = "Image"
  image_uri     = local.image_uri
  timeout       = 60
  memory_size   = 256
  kms_key_arn   = module.data.kms_key_arn

  image_config {
    command = ["engage.deploy.rotate.handler"]
  }

  environment {
    variables = { ENGAGE_AWS_REGION = var.region }
  }

  tracing_config {
    mode = "PassThrough"
  }

  depends_on = [aws_cloudwatch_log_group.rotate]
}

resource "aws_lambda_permission" "rotate" {
  statement_id  = "AllowSecretsManager"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.rotate.function_name
  principal     = "secretsmanager.amazonaws.com"
  source_arn    = aws_secretsmanager_secret.token_key.arn
}

resource "aws_secretsmanager_secret_rotation" "token_key" {
  count               = var.enable_secret_rotation ? 1 : 0
  secret_id           = aws_secretsmanager_secret.token_key.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn
  rotation_rules {
    automatically_after_days = 90
  }
  depends_on = [aws_lambda_permission.rotate]
}

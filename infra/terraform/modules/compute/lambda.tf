# One container-image Lambda per Lambda stage of the pipeline definition; each runs the
# stage module's `handler(event, context)` from the one engage image.
resource "aws_cloudwatch_log_group" "stage" {
  for_each          = var.lambda_stages
  name              = "/aws/lambda/${var.name_prefix}${each.key}-lambda"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "stage" {
  for_each      = var.lambda_stages
  function_name = "${var.name_prefix}${each.key}-lambda"
  role          = aws_iam_role.lambda.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  timeout       = 900
  memory_size   = 3008
  kms_key_arn   = var.kms_key_arn

  image_config {
    command = [each.value]
  }

  environment {
    # The ensemble warms the API's DynamoDB cache (not SQLite in the Lambda's /tmp);
    # the knowledge-base stage writes the Bedrock KB's documents and starts ingestion.
    variables = merge(var.engage_environment, {
      TOKEN_KEY_SECRET_ARN          = var.token_key_secret_arn # read into ENGAGE_TOKEN_KEY by engage.deploy.entry
      ENGAGE_CACHE                  = "dynamodb"
      ENGAGE_DYNAMODB_TABLE         = var.cache_table_name
      ENGAGE_KB_BUCKET              = var.kb_bucket_name
      ENGAGE_BEDROCK_KB_ID          = var.knowledge_base_id
      ENGAGE_BEDROCK_KB_DATA_SOURCE = var.knowledge_base_data_source_id
    })
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.stage]
}

# Seed §4.1: REST API, /predict and /ask, API key required, usage-plan throttling;
# both routes proxy to one container Lambda running engage.api.lambda_handler.handler.
resource "aws_cloudwatch_log_group" "api_lambda" {
  name              = "/aws/lambda/${var.name_prefix}predict-lambda"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "api" {
  function_name = "${var.name_prefix}predict-lambda"
  role          = aws_iam_role.api_lambda.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  timeout       = 29
  memory_size   = 2048
  kms_key_arn   = var.kms_key_arn

  image_config {
    command = ["engage.api.lambda_handler.handler"]
  }

  environment {
    # API Gateway checks the x-api-key against the usage plan before the Lambda runs;
    # the app then trusts the gateway's identity (requestContext.identity.apiKeyId).
    variables = merge(var.engage_environment, {
      ENGAGE_CACHE             = "dynamodb"
      ENGAGE_DYNAMODB_TABLE    = aws_dynamodb_table.predictions_cache.name
      ENGAGE_API_AUTH          = "gateway"
      ENGAGE_API_ADMIN_KEY_IDS = join(",", var.admin_api_key_ids)
    })
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.api_lambda]
}

resource "aws_api_gateway_rest_api" "engagement" {
  name        = "${var.name_prefix}engagement-prediction-api"
  description = "Real-time customer engagement predictions and questions"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id           = aws_api_gateway_rest_api.engagement.id
  name                  = "validate-body"
  validate_request_body = true
}

resource "aws_api_gateway_resource" "route" {
  for_each    = toset(["predict", "ask"])
  rest_api_id = aws_api_gateway_rest_api.engagement.id
  parent_id   = aws_api_gateway_rest_api.engagement.root_resource_id
  path_part   = each.value
}

resource "aws_api_gateway_method" "post" {
  for_each             = aws_api_gateway_resource.route
  rest_api_id          = aws_api_gateway_rest_api.engagement.id
  resource_id          = each.value.id
  http_method          = "POST"
  authorization        = "NONE"
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.body.id
}

resource "aws_api_gateway_integration" "post" {
  for_each                = aws_api_gateway_method.post
  rest_api_id             = aws_api_gateway_rest_api.engagement.id
  resource_id             = each.value.resource_id
  http_method             = each.value.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.api.invoke_arn
}

resource "aws_api_gateway_deployment" "engagement" {
  rest_api_id = aws_api_gateway_rest_api.engagement.id
  triggers = {
    redeploy = sha1(jsonencode([aws_api_gateway_integration.post, aws_api_gateway_method.post]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name_prefix}engagement-api"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_api_gateway_stage" "v1" {
  rest_api_id          = aws_api_gateway_rest_api.engagement.id
  deployment_id        = aws_api_gateway_deployment.engagement.id
  stage_name           = "v1"
  xray_tracing_enabled = true

  depends_on = [aws_api_gateway_account.this]

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = jsonencode({ requestId = "$context.requestId", status = "$context.status", path = "$context.resourcePath" })
  }
}

resource "aws_api_gateway_usage_plan" "standard" {
  name = "${var.name_prefix}engagement-standard"

  api_stages {
    api_id = aws_api_gateway_rest_api.engagement.id
    stage  = aws_api_gateway_stage.v1.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate_limit
    burst_limit = var.throttle_burst_limit
  }

  quota_settings {
    limit  = var.monthly_quota
    period = "MONTH"
  }
}

resource "aws_api_gateway_api_key" "default" {
  name = "${var.name_prefix}engagement-default"
}

resource "aws_api_gateway_usage_plan_key" "default" {
  key_id        = aws_api_gateway_api_key.default.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.standard.id
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.engagement.execution_arn}/*/POST/*"
}

# Execution logging and metrics for every method (needs the account CloudWatch role).
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.engagement.id
  stage_name  = aws_api_gateway_stage.v1.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name_prefix}engagement-api-5xx"
  alarm_description   = "The prediction API answered 5xx (Lambda errors, timeouts)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = aws_api_gateway_rest_api.engagement.name, Stage = aws_api_gateway_stage.v1.stage_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
}

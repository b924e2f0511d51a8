# LocalStack: every AWS endpoint on one local port. S3, DynamoDB, Lambda, Step Functions,
# IAM, EventBridge and API Gateway work in LocalStack Community; Athena, Glue, ECS/ECR
# and Bedrock need LocalStack Pro (docs/deploy-aws.md).
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.14, < 7.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test" # LocalStack accepts any credentials
  secret_key                  = "test" # checkov:skip=CKV_SECRET_2:LocalStack placeholder
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    apigateway     = var.endpoint
    athena         = var.endpoint
    bedrockagent   = var.endpoint
    cloudwatch     = var.endpoint
    dynamodb       = var.endpoint
    ec2            = var.endpoint
    ecr            = var.endpoint
    ecs            = var.endpoint
    events         = var.endpoint
    glue           = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    logs           = var.endpoint
    s3             = var.endpoint
    s3vectors      = var.endpoint
    secretsmanager = var.endpoint
    sfn            = var.endpoint
    sts            = var.endpoint
  }
}

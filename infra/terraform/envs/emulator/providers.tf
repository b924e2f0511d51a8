# Every AWS endpoint on the emulator's one port; test credentials.
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing" # the emulator accepts any credentials
  secret_key                  = "testing" # checkov:skip=CKV_SECRET_2:emulator placeholder, not a credential
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false # the emulator's STS answers (ARNs need the account id)
  s3_use_path_style           = true

  default_tags { # moto answers ListTagsForResource of an untagged Athena workgroup with an error
    tags = { Project = "engage", Environment = "emulator" }
  }

  endpoints {
    apigateway     = var.endpoint
    athena         = var.endpoint
    bedrock        = var.endpoint
    bedrockagent   = var.endpoint
    cloudtrail     = var.endpoint
    cloudwatch     = var.endpoint
    configservice  = var.endpoint
    dynamodb       = var.endpoint
    ec2            = var.endpoint
    ecr            = var.endpoint
    ecs            = var.endpoint
    events         = var.endpoint
    glue           = var.endpoint
    guardduty      = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    logs           = var.endpoint
    s3             = var.endpoint
    secretsmanager = var.endpoint
    securityhub    = var.endpoint
    sfn            = var.endpoint
    sns            = var.endpoint
    sts            = var.endpoint
    wafv2          = var.endpoint
  }
}

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0" # 5.100 is what this stack is validated and applied with
    }
  }

  # State in S3 with locking; create the bucket once by hand (docs/deploy-aws.md).
  backend "s3" {
    key          = "engage/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "engage", Environment = var.environment }
  }
}

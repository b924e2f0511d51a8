terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.27, < 7.0" # aws_s3vectors_* and S3_VECTORS knowledge bases
    }
  }

  backend "s3" {
    key          = "engage/terraform-kb.tfstate"
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

# The lake buckets and the prediction cache, which is what
# `ENGAGE_LAKE=s3://...` and `ENGAGE_CACHE=dynamodb` need. The data module also creates
# Glue, Athena and S3 Vectors resources: those need LocalStack Pro. With
# LocalStack Pro, point envs/aws at the LocalStack endpoints instead (docs/deploy-aws.md).
module "data" {
  source      = "../../modules/data"
  name_prefix = "local-"
  environment = "localstack"
}

resource "aws_dynamodb_table" "predictions_cache" {
  name         = "predictions-cache"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "customer_id"
  range_key    = "feature_hash"

  attribute {
    name = "customer_id"
    type = "S"
  }

  attribute {
    name = "feature_hash"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

output "lake_url" {
  value = "s3://${module.data.bucket_names["processed"]}/lake"
}

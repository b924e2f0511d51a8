# Seed §4.1: prediction cache, PK customer_id / SK feature_hash, TTL, GSI by model version.
resource "aws_dynamodb_table" "predictions_cache" {
  name         = "${var.name_prefix}predictions-cache"
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

  attribute {
    name = "model_version"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "N"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  global_secondary_index {
    name            = "model_version-timestamp-index"
    hash_key        = "model_version"
    range_key       = "timestamp"
    projection_type = "KEYS_ONLY"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = { Name = "predictions-cache", Environment = var.environment }
}

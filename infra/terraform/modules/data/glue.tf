# The Glue catalog databases the sql/ files create tables in (Athena CTAS and
# CREATE EXTERNAL TABLE register their tables here; no crawler needs broad rights).
locals {
  databases = {
    engagement_raw         = "raw"
    engagement_processed   = "processed"
    engagement_predictions = "results"
    engagement_analytics   = "results"
    engagement_qa          = "results"
  }
}

resource "aws_glue_catalog_database" "this" {
  for_each     = local.databases
  name         = each.key # the names sql/ files use (engage.lake.SCHEMAS)
  location_uri = "s3://${aws_s3_bucket.this[each.value].bucket}/${each.key}/"
}

resource "aws_glue_data_catalog_encryption_settings" "this" {
  count = var.manage_catalog_encryption ? 1 : 0
  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = true
      aws_kms_key_id                       = aws_kms_key.data.arn
    }
    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = aws_kms_key.data.arn
    }
  }
}

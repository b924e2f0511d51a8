resource "aws_athena_workgroup" "analytics" {
  name          = "${var.name_prefix}engagement-analytics"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = 10737418240 # 10 GB: a runaway query is refused

    result_configuration {
      output_location = "s3://${aws_s3_bucket.this["athena-results"].bucket}/results/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.data.arn
      }
    }
  }
}

output "bucket_names" {
  value = { for k, b in aws_s3_bucket.this : k => b.bucket }
}

output "bucket_arns" {
  value = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "glue_database_names" {
  value = { for k, d in aws_glue_catalog_database.this : k => d.name }
}

output "athena_workgroup" {
  value = aws_athena_workgroup.analytics.name
}

output "athena_workgroup_arn" {
  value = aws_athena_workgroup.analytics.arn
}

output "kms_key_arn" {
  value = aws_kms_key.data.arn
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "audit_bucket_name" {
  value = aws_s3_bucket.audit.bucket
}

# Where alarms go: one encrypted topic (pipeline failures, API 5xx, trail delivery).
resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}engagement-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Threat detection and posture: GuardDuty, and Security Hub's AWS Foundational
# Security Best Practices, whose controls evaluate through the AWS Config recorder.
resource "aws_guardduty_detector" "this" {
  count  = var.enable_guardduty ? 1 : 0
  enable = true
}

resource "aws_securityhub_account" "this" {
  count                    = var.enable_security_hub ? 1 : 0
  enable_default_standards = false
}

resource "aws_securityhub_standards_subscription" "fsbp" {
  count         = var.enable_security_hub ? 1 : 0
  standards_arn = "arn:aws:securityhub:${var.region}::standards/aws-foundational-security-best-practices/v/1.0.0"
  depends_on    = [aws_securityhub_account.this]
}

resource "aws_iam_service_linked_role" "config" {
  count            = var.enable_security_hub ? 1 : 0
  aws_service_name = "config.amazonaws.com"
}

resource "aws_config_configuration_recorder" "this" {
  count    = var.enable_security_hub ? 1 : 0
  name     = "${var.name_prefix}engagement"
  role_arn = aws_iam_service_linked_role.config[0].arn
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}

resource "aws_config_delivery_channel" "this" {
  count          = var.enable_security_hub ? 1 : 0
  name           = "${var.name_prefix}engagement"
  s3_bucket_name = aws_s3_bucket.audit.id
  s3_kms_key_arn = var.kms_key_arn
  depends_on     = [aws_config_configuration_recorder.this, aws_s3_bucket_policy.audit]
}

resource "aws_config_configuration_recorder_status" "this" {
  count      = var.enable_security_hub ? 1 : 0
  name       = aws_config_configuration_recorder.this[0].name
  is_enabled = true
  depends_on = [aws_config_delivery_channel.this]
}

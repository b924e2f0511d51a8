# Seed §2.1 / §6: five lake buckets (raw, processed, features, models, results) plus
# the knowledge-base documents and the Athena results. (The knowledge base's S3 vector
# store is envs/aws-kb: it needs a newer provider.) Every bucket: SSE-KMS under the
# data key, public access blocked, versioning, 90-day expiry of old versions.
locals {
  lake_buckets = ["raw", "processed", "features", "models", "results"]
  all_buckets  = concat(local.lake_buckets, ["knowledge-base", "athena-results"])
}

resource "aws_s3_bucket" "this" {
  for_each = toset(local.all_buckets)
  bucket   = "${var.name_prefix}engagement-${each.value}"

  tags = { Environment = var.environment, Layer = "data" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each                = aws_s3_bucket.this
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-staging"
    status = "Enabled"
    filter {
      prefix = "_staging/"
    }
    expiration {
      days = var.noncurrent_version_days
    }
  }
}

# TLS only: deny any request to a lake bucket that is not over HTTPS.
data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.this

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      each.value.arn,
      "${each.value.arn}/*",
    ]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "tls_only" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  policy   = data.aws_iam_policy_document.tls_only[each.key].json
}

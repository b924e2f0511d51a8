# Seed §3.1: the Bedrock knowledge base on an S3 vector store (not OpenSearch), Titan
# Text Embeddings v2, fixed-size chunks of 300 tokens with 20% overlap. A root of its
# own because aws_s3vectors_* and S3_VECTORS storage need provider >= 6.27 while the
# main stack is validated with 5.100; apply it after envs/aws, then pass its outputs
# back to envs/aws (knowledge_base_id, knowledge_base_data_source_id). The documents
# are the ones the update-knowledge-base stage writes under documents/.
data "aws_caller_identity" "current" {}

locals {
  embedding_model_arn = "arn:aws:bedrock:${var.region}::foundation-model/${var.embedding_model_id}"
}

resource "aws_s3vectors_vector_bucket" "kb" {
  vector_bucket_name = "${var.name_prefix}engagement-kb-vectors"
}

resource "aws_s3vectors_index" "kb" {
  vector_bucket_name = aws_s3vectors_vector_bucket.kb.vector_bucket_name
  index_name         = "engagement-kb"
  data_type          = "float32"
  dimension          = 1024 # Titan Text Embeddings v2 default
  distance_metric    = "cosine"
}

data "aws_iam_policy_document" "bedrock_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "kb" {
  name               = "${var.name_prefix}engagement-kb"
  assume_role_policy = data.aws_iam_policy_document.bedrock_assume.json
}

data "aws_iam_policy_document" "kb" {
  statement {
    sid       = "Embed"
    actions   = ["bedrock:InvokeModel"]
    resources = [local.embedding_model_arn]
  }
  statement {
    sid       = "ListDocuments"
    actions   = ["s3:ListBucket"]
    resources = [var.kb_bucket_arn]
  }
  statement {
    sid       = "ReadDocuments"
    actions   = ["s3:GetObject"]
    resources = ["${var.kb_bucket_arn}/documents/*"]
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid = "Vectors"
    actions = [
      "s3vectors:PutVectors", "s3vectors:GetVectors", "s3vectors:DeleteVectors",
      "s3vectors:QueryVectors", "s3vectors:GetIndex",
    ]
    resources = [aws_s3vectors_index.kb.index_arn]
  }
}

resource "aws_iam_role_policy" "kb" {
  name   = "knowledge-base"
  role   = aws_iam_role.kb.id
  policy = data.aws_iam_policy_document.kb.json
}

resource "aws_bedrockagent_knowledge_base" "engagement" {
  name     = "${var.name_prefix}engagement-kb"
  role_arn = aws_iam_role.kb.arn

  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = local.embedding_model_arn
    }
  }

  storage_configuration {
    type = "S3_VECTORS"
    s3_vectors_configuration {
      index_arn = aws_s3vectors_index.kb.index_arn
    }
  }
}

resource "aws_bedrockagent_data_source" "documents" {
  knowledge_base_id = aws_bedrockagent_knowledge_base.engagement.id
  name              = "engagement-documents"

  data_source_configuration {
    type = "S3"
    s3_configuration {
      bucket_arn         = var.kb_bucket_arn
      inclusion_prefixes = ["documents/"] # at most one prefix per data source
    }
  }

  vector_ingestion_configuration {
    chunking_configuration {
      chunking_strategy = "FIXED_SIZE"
      fixed_size_chunking_configuration {
        max_tokens         = 300
        overlap_percentage = 20
      }
    }
  }
}

output "knowledge_base_id" {
  value = aws_bedrockagent_knowledge_base.engagement.id
}

output "knowledge_base_data_source_id" {
  value = aws_bedrockagent_data_source.documents.data_source_id
}

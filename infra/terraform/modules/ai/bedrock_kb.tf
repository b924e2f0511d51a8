# Seed §3.1: knowledge base on an S3 vector store (not OpenSearch, not pgvector),
# Titan Text Embeddings v2, fixed-size chunks of 300 tokens with 20% overlap.
locals {
  embedding_model_arn = "arn:aws:bedrock:${var.region}::foundation-model/${var.embedding_model_id}"
  agent_model_arn     = "arn:aws:bedrock:${var.region}::foundation-model/${var.agent_model_id}"
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
      index_arn = var.kb_vector_index_arn
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
      inclusion_prefixes = ["model_metrics/", "feature_importance/", "athena_results/", "data_dictionary/"]
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

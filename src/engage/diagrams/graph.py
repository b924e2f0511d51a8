"""The architecture as data: every port with its local default and its AWS adapter.

Why data and not a drawing: the Mermaid sources in docs/, the component diagram in the
Architecture PDF and the test that checks each `module:attribute` reference all read
this one table, so the pictures cannot describe classes that no longer exist.
References are `dotted.module:Name`; `tests/unit/diagrams` checks each one resolves
(by reading the source, without importing heavy modules).
"""

from __future__ import annotations

from dataclasses import dataclass

from engage import lake

KB_PREFIX = "engagement-kb/"  # engage.agent.kb.KB_PREFIX (a test keeps them equal; that
# module loads scikit-learn, which drawing a diagram should not need)


@dataclass(frozen=True)
class Adapter:
    """One implementation of a port: what a reader sees, and the code that is it."""

    label: str
    ref: str  # "engage.adapters.store.local:LocalObjectStore"
    service: str = ""  # the AWS service it talks to (AWS side only)


@dataclass(frozen=True)
class Port:
    """One infrastructure concern; `bootstrap` (or `selector`) picks the adapter."""

    key: str
    name: str
    ref: str  # the Protocol or the function that chooses
    selector: str  # the setting that switches it
    local: Adapter
    aws: Adapter


PORTS: tuple[Port, ...] = (
    Port(
        "store", "ObjectStore (the lake)", "engage.ports:ObjectStore", "ENGAGE_LAKE",
        Adapter("local directory, Parquet", "engage.adapters.store.local:LocalObjectStore"),
        Adapter("S3 buckets", "engage.adapters.store.s3:S3ObjectStore", "Amazon S3"),
    ),
    Port(
        "sql", "SqlEngine (catalog + SQL)", "engage.ports:SqlEngine", "ENGAGE_SQL_ENGINE",
        Adapter("DuckDB catalog file", "engage.adapters.sql.duckdb_engine:DuckDbEngine"),
        Adapter("Glue Data Catalog + Athena", "engage.adapters.sql.athena:AthenaEngine",
                "AWS Glue, Amazon Athena"),
    ),
    Port(
        "runner", "Pipeline runner (ASL)", "engage.pipeline.asl:load_definition", "engage asl",
        Adapter("local ASL runner", "engage.pipeline.runner:LocalRunner"),
        Adapter("Step Functions, same JSON", "engage.pipeline.asl:render",
                "AWS Step Functions"),
    ),
    Port(
        "stage", "Stage execution", "engage.stages.tasks:STAGES", "definition Resource",
        Adapter("in-process call", "engage.pipeline.invoke:call_task"),
        Adapter("Lambda handler / Fargate task", "engage.stages.container:main",
                "AWS Lambda, Amazon ECS Fargate"),
    ),
    Port(
        "cache", "Cache (prediction TTL cache)", "engage.ports:Cache", "ENGAGE_CACHE",
        Adapter("SQLite, WAL", "engage.adapters.cache.sqlite:SqliteCache"),
        Adapter("DynamoDB table", "engage.adapters.cache.dynamodb:DynamoDbCache",
                "Amazon DynamoDB"),
    ),
    Port(
        "llm", "Planner (LLM for questions)", "engage.agent.planner:Planner", "ENGAGE_LLM",
        Adapter("offline analyst", "engage.agent.planner.offline:OfflinePlanner"),
        Adapter("Claude via Converse", "engage.agent.planner.bedrock:BedrockPlanner",
                "Amazon Bedrock"),
    ),
    Port(
        "embed", "Embedder (knowledge base)", "engage.agent.embeddings:Embedder",
        "ENGAGE_EMBEDDINGS",
        Adapter("hashed TF-IDF", "engage.agent.embeddings:LocalEmbedder"),
        Adapter("Titan Embeddings v2", "engage.agent.embeddings:TitanEmbedder",
                "Amazon Bedrock"),
    ),
    Port(
        "api", "HTTP API", "engage.api.app:create_app", "deployment",
        Adapter("FastAPI + uvicorn", "engage.api.app:create_app"),
        Adapter("API Gateway + Lambda (Mangum)", "engage.api.lambda_handler:handler",
                "Amazon API Gateway, AWS Lambda"),
    ),
)  # fmt: skip

COMPOSITION_ROOT = "engage.bootstrap:object_store"

# Data flow: (source, stage, destination). Sources and destinations are lake keys (from
# engage.lake, so a moved dataset moves here too) or an outside party in <angle brackets>.
FLOWS: tuple[tuple[str, str, str], ...] = (
    ("<source files>", "DataPreparation", lake.RAW),
    ("<source files>", "DataPreparation", lake.RESTRICTED_PII),
    (lake.RAW, "DataPreparation", lake.PROCESSED_TRAINING),
    (lake.RAW, "DataPreparation", lake.PROCESSED_TEST),
    (lake.RAW, "DataPreparation", lake.PROCESSED_INFERENCE),
    (lake.PROCESSED_INFERENCE, "DataPreparation", lake.INFERENCE_SHARDS),
    (lake.PROCESSED_TRAINING, "DataValidation", lake.REPORTS),
    (lake.PROCESSED_TRAINING, "five model tasks", lake.MODELS),
    (lake.PROCESSED_TEST, "five model tasks", lake.MODELS),
    (lake.MODELS, "ScoreShards (one InferenceTask per shard)", lake.STAGING),
    (lake.INFERENCE_SHARDS, "ScoreShards (one InferenceTask per shard)", lake.STAGING),
    (lake.INFERENCE_SHARDS, "ScoreShards (one InferenceTask per shard)", lake.AUDIT),
    (lake.STAGING, "MergeShardScores", lake.MODEL_SCORES),
    (lake.MODEL_SCORES, "ModelEnsemble", lake.PREDICTIONS_TABLE),
    (lake.PREDICTIONS_TABLE, "CreateQATable", lake.QA_REVIEW_QUEUE),
    (lake.PREDICTIONS_TABLE, "CreateFinalResults", lake.RESULTS_FINAL),
    (lake.RESULTS_FINAL, "UpdateKnowledgeBase", KB_PREFIX),
    ("<pipeline runner>", "every run", lake.RUNS),
    (lake.PREDICTIONS_TABLE, "engage serve", "<API clients>"),
    ("<API clients>", "engage serve", lake.AUDIT),
    (KB_PREFIX, "engage ask", "<analysts>"),
    (lake.QA_REVIEW_QUEUE, "engage qa review", lake.REVIEW_DECISIONS),
)

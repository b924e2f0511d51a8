"""The Bedrock knowledge base's side of the update-knowledge-base stage (AWS only).

The stage always builds the lake's own knowledge base (chunks + vectors, which the
local agent retrieves from). A deployed agent retrieves from a Bedrock knowledge
base instead, which ingests documents from S3: this module writes the same
documents under `documents/` in the knowledge-base bucket (the data source's one
inclusion prefix), each with the `.metadata.json` sidecar Bedrock reads for
filtering (run id, model version), removes the previous run's, and starts an
ingestion job when the knowledge base exists (ENGAGE_BEDROCK_KB_ID).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

PREFIX = "documents/"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def document_key(source: str) -> str:
    """The S3 key of one document, named after its source (e.g. `model_metrics/churn`)."""
    return f"{PREFIX}{_UNSAFE.sub('_', source).strip('_') or 'document'}.md"


def publish(
    s3: Any, bucket: str, run_id: str, docs: Iterable[Any], *, bedrock_agent: Any | None = None,
    knowledge_base_id: str = "", data_source_id: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Replace the bucket's documents with this run's; start ingestion if configured."""
    written = set()
    for doc in docs:
        key = document_key(doc.source)
        s3.put_object(Bucket=bucket, Key=key, Body=doc.text.encode("utf-8"))
        meta = {"run_id": run_id, "source": doc.source, "model_version": doc.model_version}
        body = json.dumps({"metadataAttributes": meta}).encode("utf-8")
        s3.put_object(Bucket=bucket, Key=f"{key}.metadata.json", Body=body)
        written |= {key, f"{key}.metadata.json"}
    stale = [
        {"Key": o["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
        for o in page.get("Contents", [])
        if o["Key"] not in written
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000]})
    summary: dict[str, Any] = {
        "bedrock_documents": len(written) // 2,
        "bedrock_location": f"s3://{bucket}/{PREFIX}",
        "removed": len(stale),
    }
    if bedrock_agent is not None and knowledge_base_id and data_source_id:
        job = bedrock_agent.start_ingestion_job(
            knowledgeBaseId=knowledge_base_id, dataSourceId=data_source_id
        )["ingestionJob"]
        summary["ingestion_job_id"] = job["ingestionJobId"]
    return summary


def sync(settings: Any, run_id: str, docs: Iterable[Any]) -> dict[str, Any]:
    """publish() with clients built from settings (ENGAGE_KB_BUCKET, ENGAGE_BEDROCK_KB_*)."""
    import boto3

    from engage.adapters.store.s3 import s3_client

    agent = None
    if settings.bedrock_kb_id and settings.bedrock_kb_data_source:
        agent = boto3.client("bedrock-agent", region_name=settings.aws_region)
    return publish(
        s3_client(settings.aws_region, settings.s3_endpoint_url),
        settings.kb_bucket,
        run_id,
        docs,
        bedrock_agent=agent,
        knowledge_base_id=settings.bedrock_kb_id,
        data_source_id=settings.bedrock_kb_data_source,
    )


class BedrockPublisher:
    """The KnowledgeBasePublisher port on AWS: `sync` with clients built from settings.

    Built by the composition root (`engage.bootstrap.kb_publisher`) only when a
    knowledge-base bucket is configured, so the stage never builds AWS clients.
    """

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def publish(self, run_id: str, docs: Iterable[Any]) -> dict[str, Any]:
        """Replace the bucket's documents with this run's (see `publish`)."""
        return sync(self.settings, run_id, docs)

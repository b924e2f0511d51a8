"""Stage 7, the knowledge base (a Lambda on AWS): what the Q&A agent retrieves from.

After the results tables exist, this run's documents (model metrics, feature
importance, fairness, the data dictionary, analytics summaries) are generated from
the catalog, chunked (300 tokens, 20% overlap), embedded and stored in the lake as
Parquet, replacing the previous run's: answers cite the run they came from.
Deployed (ENGAGE_KB_BUCKET set), the same documents also go to the Bedrock knowledge
base's bucket and an ingestion job starts: through the KnowledgeBasePublisher port
the composition root puts in Services (engage.deploy.kb_sync on AWS), so this stage
never builds AWS clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.stages.services import Services, lambda_services, run_id_of


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Build this run's knowledge base through the run's own catalog connection."""
    from engage.agent import kb  # the agent's dependencies load only for this stage
    from engage.agent.tools import Tools

    run_id = run_id_of(event)
    tools = Tools(services.settings, services.sql, store=services.store)
    summary = kb.build(services.store, run_id, tools, services.embedder())
    if services.kb_publisher is not None:  # deployed: the Bedrock KB's copy too
        summary |= services.kb_publisher.publish(run_id, kb.documents(tools))
    return {"knowledge_base_status": "success", **summary}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())

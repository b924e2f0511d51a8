"""Stage 1, pre-cleanup: clear what interrupted runs left behind, and nothing else.

The seed's cleanup dropped every table and emptied every prefix before a run. We
deliberately do not: the previous run's results must stay queryable until this
run publishes new ones (each stage swaps its output into place atomically). What
can go stale is work in progress under ``_staging/``, so that is what is removed.
Idempotent: a second call finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engage import lake
from engage.stages.services import Services, lambda_services, run_id_of


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Delete staged leftovers; report how many files went and which prefixes were kept."""
    run_id = run_id_of(event)
    removed = services.store.delete_prefix(lake.STAGING)
    return {
        "cleanup_status": "success",
        "run_id": run_id,
        "tables_dropped": 0,
        "s3_objects_deleted": removed,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())

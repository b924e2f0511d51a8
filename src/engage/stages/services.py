"""What a stage needs from the outside world, built once per process.

The local runner shares one Services between all stages of a run (so parallel
branches share one thread-safe catalog connection); a Lambda builds its own from
ENGAGE_* settings. Stages never construct adapters: bootstrap decides.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engage import bootstrap, lake
from engage.pipeline import progress as pipeline_progress
from engage.ports import (
    Cache,
    KnowledgeBasePublisher,
    ObjectStore,
    ProgressReporter,
    SqlEngine,
)
from engage.settings import Settings
from engage.stages.errors import StageError

if TYPE_CHECKING:  # the plans package loads every model library; stages import it lazily
    from engage.agent.embeddings import Embedder
    from engage.stages.plans.base import LakeData

_RUN_ID = re.compile(r"[A-Za-z0-9_.-]{1,80}")


@dataclass
class Services:
    """Settings plus the ports built from them; the SQL engine is opened on first use."""

    settings: Settings
    store: ObjectStore
    generation: str | None = None  # the run's own generation (None: the published one)
    # The deployed knowledge base's publisher (None: local only); from the composition root.
    kb_publisher: KnowledgeBasePublisher | None = None
    _sql: SqlEngine | None = field(default=None, repr=False)
    _cache: Cache | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _data: tuple[tuple[str, str], LakeData] | None = field(default=None, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, generation: str | None = None
    ) -> Services:
        """Ports for `settings`; a pipeline run passes its generation (its run id)."""
        settings = settings or Settings()
        store = bootstrap.object_store(settings, generation)
        publisher = bootstrap.kb_publisher(settings)
        return cls(settings=settings, store=store, generation=generation, kb_publisher=publisher)

    def progress(self) -> ProgressReporter:
        """The reporter of the state running this stage (a no-op outside the local runner).

        Ask in the stage's own thread and pass it to worker threads: it is bound per
        state, so several stages in Parallel branches each report to their own line.
        """
        return pipeline_progress.current()

    @property
    def sql(self) -> SqlEngine:
        with self._lock:
            if self._sql is None:
                self._sql = bootstrap.sql_engine(self.settings, generation=self.generation)
            return self._sql

    def embedder(self) -> Embedder:
        """A fresh knowledge-base embedder of the configured kind."""
        return bootstrap.embedder(self.settings)

    @property
    def cache(self) -> Cache:
        """The prediction cache the API serves from (opened on first use)."""
        with self._lock:
            if self._cache is None:
                self._cache = bootstrap.cache(self.settings)
            return self._cache

    def lake_data(self, run_id: str, source: Path) -> LakeData:
        """The run's lake reader, shared by its stages in this process (see LakeData).

        Only the current run's is kept: a new run id replaces it, so nothing read for
        an earlier run is ever served and the memory goes with it.
        """
        from engage.stages.plans.base import LakeData

        key = (run_id, str(source))
        with self._lock:
            if self._data is None or self._data[0] != key:
                self._data = (key, LakeData(self.store, source))
            return self._data[1]

    def close(self) -> None:
        """Release the catalog (DuckDB holds a file lock while it is open) and the cache."""
        with self._lock:
            if self._sql is not None and hasattr(self._sql, "close"):
                self._sql.close()
            self._sql = None
            if self._cache is not None:
                self._cache.close()
            self._cache = None

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_report(self, run_id: str, name: str, report: Mapping[str, Any]) -> str:
        """Keep a stage's JSON report in the lake; returns its key."""
        key = lake.report_key(run_id, name)
        self.store.put_bytes(key, json.dumps(report, indent=2, default=str).encode("utf-8"))
        return key


def publish_table(services: Services, qualified_name: str, prefix: str, table: Any) -> None:
    """Write a table to staging, swap it into place whole, point the catalog at it.

    Why one function: every stage that publishes a whole table (inference's per-model
    tables, the analyses) must stage and swap the same way, so a killed stage never
    leaves half a table behind the catalog's view.
    """
    with lake.staged(services.store, qualified_name, prefix) as staging:
        services.store.write_parquet(staging + "part-0.parquet", table)
    services.sql.register_parquet(qualified_name, prefix)


def run_id_of(event: Mapping[str, Any]) -> str:
    """The run id carried by the execution input; every stage needs it."""
    run_id = event.get("run_id") if isinstance(event, Mapping) else None
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise StageError(f"event needs a 'run_id' of letters, digits, '_.-'; got {run_id!r}")
    return run_id


def source_dir(event: Mapping[str, Any], settings: Settings) -> Path:
    """Where the incoming customer files are, as a local folder.

    The event's `source`, else ENGAGE_SOURCE_URL, else ENGAGE_DATA_DIR. An s3:// source
    (a deployed run) is copied once per process into a scratch folder under data_dir:
    the stages read files, and `Path("s3://b/k")` would silently become `s3:/b/k`.
    """
    source = event.get("source") if isinstance(event, Mapping) else None
    source = source or settings.source_url
    if isinstance(source, str) and source.startswith("s3://"):
        return _fetched_source(source, settings)
    return Path(source or settings.data_dir)


def _fetched_source(url: str, settings: Settings) -> Path:
    """The files directly under an s3:// folder, downloaded once (then reused)."""
    from engage.adapters.store.s3 import S3ObjectStore

    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    folder = Path(settings.data_dir) / "_source" / digest
    with _SOURCE_LOCK:
        if (folder / ".complete").is_file():
            return folder
        remote = S3ObjectStore.from_url(
            url, region=settings.aws_region, endpoint_url=settings.s3_endpoint_url
        )
        keys = [k for k in remote.list("") if "/" not in k]
        if not keys:
            raise StageError(f"no files under {url}: upload customers.parquet there first")
        folder.mkdir(parents=True, exist_ok=True)
        for key in keys:
            (folder / key).write_bytes(remote.get_bytes(key))
        (folder / ".complete").write_text(url)
    return folder


_SOURCE_LOCK = threading.Lock()


def lambda_services() -> Services:
    """Services for a Lambda container: built once, reused by warm invocations."""
    global _LAMBDA_SERVICES
    if _LAMBDA_SERVICES is None:
        _LAMBDA_SERVICES = Services.from_settings()
    return _LAMBDA_SERVICES


_LAMBDA_SERVICES: Services | None = None

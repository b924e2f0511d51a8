"""Answering a prediction request: cache first, then the batch table or the models.

No FastAPI here: the routes decide where this runs. `fast` answers without any
blocking I/O when it can (a local cache hit, or live inference on complete
inputs with the SQLite cache) so the event loop serves it directly; `answer`
does everything, including lake reads, and runs in the thread pool. Cache
writes never happen here: they go to the `CacheWriter` queue, and a cache that
another process keeps locked is a miss (`CacheBusyError`), never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from engage.adapters.cache import CacheBusyError
from engage.api import records
from engage.api.lookup import BatchTables
from engage.api.metrics import Metrics
from engage.api.served import ModelHolder
from engage.api.writeback import CacheWriter
from engage.audit import AuditRecord, BufferedAudit
from engage.contract import MODEL_INPUTS
from engage.ports import Cache

_ALL_INPUTS = frozenset(MODEL_INPUTS)


class CustomerNotFoundError(LookupError):
    """Neither the cache nor the latest batch knows the customer."""


class PredictionService:
    """The prediction use case over the model holder, the cache, the lake and the audit."""

    def __init__(
        self,
        holder: ModelHolder,
        cache: Cache,
        tables: BatchTables,
        audit: BufferedAudit,
        metrics: Metrics,
        cache_is_local: bool,
        writer: CacheWriter | None = None,
    ) -> None:
        self.holder, self.cache, self.tables = holder, cache, tables
        self.audit, self.metrics, self.cache_is_local = audit, metrics, cache_is_local
        self.writer = writer or CacheWriter(cache, metrics)

    # -- entry points -----------------------------------------------------------------
    def fast(
        self, customer_id: str, features: Mapping[str, Any] | None, key_id: str | None
    ) -> dict[str, Any] | None:
        """The answer if it needs no blocking I/O, else None (then call `answer`)."""
        if not self.cache_is_local:
            return None
        if features is None:
            return self._cached(records.batch_key(customer_id), self.holder.current.tag)
        if _ALL_INPUTS.issubset(features):
            return self._live(customer_id, dict(features), key_id)
        return None

    def answer(
        self, customer_id: str, features: Mapping[str, Any] | None, key_id: str | None
    ) -> dict[str, Any]:
        """The full answer; raises CustomerNotFoundError for an unknown id without features."""
        if features is None:
            tag = self.holder.current.tag
            return self._cached(records.batch_key(customer_id), tag) or self._from_table(
                customer_id, tag
            )
        values = dict(features)
        if not _ALL_INPUTS.issubset(values):
            known = self.tables.inputs(customer_id)
            if known is not None:
                values = {**known, **values}
        return self._live(customer_id, values, key_id)

    def latest(self, customer_id: str) -> dict[str, Any]:
        """The latest batch prediction (cache, else table)."""
        return self.answer(customer_id, None, None)

    # -- steps ------------------------------------------------------------------------
    def _cached(self, key: str, tag: str) -> dict[str, Any] | None:
        """A cache entry computed by the versions served now (older ones are misses)."""
        entry = self.writer.get(key)
        if entry is None:
            try:
                entry = self.cache.get(key)
            except CacheBusyError:  # locked past the short timeout: a miss, not an error
                self.metrics.count("cache_busy")
        if entry is not None and entry.get("model_version") == tag:
            self.metrics.count("cache_hits")
            entry["cache"] = "hit"
            return entry
        self.metrics.count("cache_misses")
        return None

    def _from_table(self, customer_id: str, tag: str) -> dict[str, Any]:
        row = self.tables.prediction(customer_id)
        if row is None:
            raise CustomerNotFoundError(customer_id)
        entry = records.batch_record(row)
        if entry["model_version"] == tag:  # a batch of other versions is answered, not cached
            self.writer.put(records.batch_key(customer_id), entry, entry["model_version"])
        entry["cache"] = "miss"
        return entry

    def _live(self, customer_id: str, values: dict[str, Any], key_id: str | None) -> dict[str, Any]:
        served = self.holder.current  # one snapshot for the whole request
        digest = records.input_hash(values)
        key = records.live_key(customer_id, digest)
        entry = self._cached(key, served.tag)
        if entry is None:
            entry = served.predict(customer_id, values)
            self.writer.put(key, entry, served.tag)
            self.metrics.count("live_inferences")
            entry["cache"] = "miss"
        self.audit.add(audit_records(customer_id, digest, entry, key_id))
        return entry


def audit_records(
    customer_id: str, digest: str, entry: Mapping[str, Any], key_id: str | None
) -> list[AuditRecord]:
    """One audit record per model that produced this answer."""
    prediction, explanations = entry["prediction"], entry["explanations"]
    out = []
    for name, fields in records.MODEL_OUTPUTS.items():
        version = entry["model_versions"].get(name)
        if version is None:
            continue
        top = explanations.get(name)
        out.append(
            AuditRecord(
                source="api",
                customer_id=customer_id,
                model_name=name,
                model_version=version,
                input_hash=digest,
                outputs=orjson.dumps({f: prediction[f] for f in fields}).decode(),
                top_features=None if top is None else orjson.dumps(top).decode(),
                key_id=key_id,
            )
        )
    return out

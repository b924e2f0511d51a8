"""Everything a running API needs, built once at start-up from Settings.

Models are loaded here (never per request); the background work (model
reload checks, audit flushes) starts and stops with the server's lifespan.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engage import bootstrap
from engage.api.gateway_keys import gateway_keys
from engage.api.keys import KeyStore
from engage.api.lookup import BatchTables
from engage.api.metrics import Metrics
from engage.api.served import ModelHolder, load_served_models
from engage.api.service import PredictionService
from engage.api.throttle import TokenBuckets
from engage.api.writeback import CacheWriter
from engage.audit import AuditLog, BufferedAudit
from engage.ports import Cache, Catalog, ObjectStore
from engage.privacy.erased import ErasedCustomers
from engage.privacy.tokens import Tokenizer, key_available, load_tokenizer
from engage.settings import Settings

# Verifications (scrypt, ~50 ms) one key id or one client may ask for: a burst, then 1 a second.
AUTH_BURST, AUTH_RATE_PER_S = 10, 1.0


@dataclass
class AppState:
    """The API's long-lived objects (one per process)."""

    settings: Settings
    store: ObjectStore
    holder: ModelHolder
    cache: Cache
    keys: KeyStore
    buckets: TokenBuckets
    auth_attempts: TokenBuckets  # scrypt verifications per key id and per client
    audit: BufferedAudit
    tables: BatchTables
    metrics: Metrics
    service: PredictionService
    new_session: Callable[[], Any]  # a Q&A conversation, wired by bootstrap.session
    catalog: Catalog  # read-only engines on demand (the web pages' SQL)
    started_at: float = field(default_factory=time.time)
    _running: bool = False

    def start(self) -> None:
        """Background work: model reload checks and audit flushes."""
        if not self._running:
            self.holder.start()
            self.audit.start()
            self.service.writer.start()
            self._running = True

    def stop(self) -> None:
        """Stop the background work, flush the audit buffer, close the cache."""
        self.holder.stop()
        self.audit.close()
        self.service.writer.close()
        self.cache.close()
        self._running = False


def build_state(
    settings: Settings,
    *,
    cache: Cache | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AppState:
    """Load the served models and open every port; `cache`/`clock` are for tests."""
    store = bootstrap.object_store(settings)
    tables = BatchTables(store)
    holder = ModelHolder(
        store, lambda: load_served_models(store, tables), settings.api_reload_seconds
    )
    cache = cache or bootstrap.cache(settings)
    metrics = Metrics()
    audit = BufferedAudit(
        AuditLog(store),
        settings.audit_flush_records,
        settings.audit_flush_seconds,
        journal_dir=settings.resolved_cache_path().parent / "audit-journal",
    )
    holder.after_swap = settle_heap
    settle_heap()
    erased = ErasedCustomers(store, functools.partial(_tokenizer_if_any, settings))
    service = PredictionService(
        holder,
        cache,
        tables,
        audit,
        metrics,
        cache_is_local=getattr(cache, "is_local", False),
        writer=CacheWriter(cache, metrics, erased=erased),
    )
    return AppState(
        settings=settings,
        store=store,
        holder=holder,
        cache=cache,
        keys=gateway_keys(settings) or KeyStore(settings.resolved_keys_path()),
        buckets=TokenBuckets(settings.api_rate_per_second, settings.api_burst, clock),
        auth_attempts=TokenBuckets(AUTH_RATE_PER_S, AUTH_BURST, clock, max_keys=10_000),
        audit=audit,
        tables=tables,
        metrics=metrics,
        service=service,
        new_session=functools.partial(bootstrap.session, settings),  # bound at start-up
        catalog=bootstrap.catalog(settings),
    )


def _tokenizer_if_any(settings: Settings) -> Tokenizer | None:
    """The token key if one exists (the API never creates one: `forget` does)."""
    return load_tokenizer(settings, create=False) if key_available(settings) else None


def settle_heap() -> None:
    """Move everything loaded so far out of the cyclic GC's reach (`gc.freeze`).

    Libraries and models leave ~300K tracked objects; a full collection walks all
    of them and stalls every request in flight for ~150-200 ms (measured: the p99
    of cache hits). Frozen objects are still freed by reference counting.
    """
    gc.collect()
    gc.freeze()

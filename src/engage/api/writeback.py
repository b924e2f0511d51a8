"""Cache writes off the request path: a bounded queue drained by one thread.

A request never waits on the cache's write lock (another process, e.g. a
pipeline run, may hold it): it hands the entry to this writer and answers.
Until the entry is written, `get` serves it from the queue, so a repeated
request is a hit at once. A write refused because the cache stayed busy is
retried a few times and then dropped (the cache is an accelerator, never the
record: the audit trail is). Memory is bounded by `max_pending`; past that,
new entries are not cached at all (counted as dropped). A customer whose erasure
started (in this process or another, see `engage.privacy.erased`) is neither
answered from the queue nor written.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from engage.adapters.cache import CacheBusyError
from engage.api.metrics import Metrics
from engage.periodic import PeriodicWorker
from engage.ports import Cache
from engage.privacy.erased import ErasedCustomers


class CacheWriter:
    """Write-behind for one cache; `start` runs the drain thread, `flush` drains now."""

    def __init__(
        self,
        cache: Cache,
        metrics: Metrics,
        max_pending: int = 10_000,
        attempts: int = 3,
        erased: ErasedCustomers | None = None,
    ) -> None:
        self.cache, self.metrics, self.erased = cache, metrics, erased
        self.max_pending, self.attempts = max_pending, attempts
        self._pending: OrderedDict[str, tuple[dict[str, Any], str]] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = PeriodicWorker("cache-write", self.flush, interval_s=1.0)

    def put(self, key: str, value: dict[str, Any], tag: str) -> None:
        """Queue one entry (never blocks on I/O)."""
        with self._lock:
            if key not in self._pending and len(self._pending) >= self.max_pending:
                self.metrics.count("cache_writes_dropped")
                return
            self._pending[key] = (dict(value), tag)  # the caller goes on changing its dict
        self._worker.wake()

    def get(self, key: str) -> dict[str, Any] | None:
        """A queued entry not yet written (a copy), or None."""
        with self._lock:
            queued = self._pending.get(key)
        if queued is None or self._is_erased(key):
            return None
        return dict(queued[0])

    def forget(self, customer_id: str) -> int:
        """Drop one customer's queued entries (erasure must not be undone by a late write)."""
        prefix = f"{customer_id}#"
        with self._lock:
            gone = [k for k in self._pending if k.startswith(prefix)]
            for key in gone:
                del self._pending[key]
        return len(gone)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Write what is queued; returns how many entries were written."""
        written = 0
        if self.erased is not None and self._pending:
            self.erased.refresh()
        while True:
            with self._lock:
                if not self._pending:
                    return written
                key, (value, tag) = next(iter(self._pending.items()))
            if self._is_erased(key):
                self.metrics.count("cache_writes_erased")
            elif self._write(key, value, tag):
                written += 1
            with self._lock:
                if self._pending.get(key, (None,))[0] is value:
                    del self._pending[key]

    def _is_erased(self, key: str) -> bool:
        """Keys are `<customer_id>#...` (see api.records)."""
        return self.erased is not None and key.partition("#")[0] in self.erased

    def _write(self, key: str, value: dict[str, Any], tag: str) -> bool:
        attempts = 1 if self._worker.stopping else self.attempts  # shutting down: no waits
        for attempt in range(attempts):
            try:
                self.cache.put(key, value, tag)
                return True
            except CacheBusyError:
                self.metrics.count("cache_busy")
                time.sleep(0.05 * 2**attempt)
            except Exception:  # a broken cache must not kill the writer
                self.metrics.count("cache_errors")
                return False
        self.metrics.count("cache_writes_dropped")
        return False

    def start(self) -> None:
        self._worker.start()

    def close(self) -> None:
        self._worker.stop()
        self.flush()

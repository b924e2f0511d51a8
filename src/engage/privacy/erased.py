"""Which customers the erasure log names, for long-lived processes (the API).

Why: `engage forget` may run in another process while the API holds a customer's
prediction in its write-behind queue. Without this check the queue would answer
for the erased customer and then write the entry back into the cache that
`forget` had just cleared, undoing the erasure. The log is re-read only when it
gains files, and listed at most once per `min_interval_s`, so a busy API costs
one listing a second at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engage import lake
from engage.ports import ObjectStore
from engage.privacy.erasure_log import ErasureLog
from engage.privacy.tokens import Tokenizer


class ErasedCustomers:
    """`customer_id in erased` after `refresh()`: True once an erasure of them started."""

    def __init__(
        self,
        store: ObjectStore,
        tokenizer: Callable[[], Tokenizer | None],
        min_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self._tokenizer_factory = store, tokenizer
        self.min_interval_s, self.clock = min_interval_s, clock
        self._tokenizer: Tokenizer | None = None
        self._tokens: frozenset[str] = frozenset()
        self._files = -1
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Re-read the log if it gained files since the last look (rate-limited)."""
        now = self.clock()
        with self._lock:
            if now - self._checked_at < self.min_interval_s:
                return
            self._checked_at = now
        files = sum(1 for k in self.store.list(lake.ERASURE_LOG) if k.endswith(".parquet"))
        if files != self._files:
            tokens = ErasureLog(self.store).tokens() if files else frozenset()
            self._tokens, self._files = tokens, files
        if self._tokens and self._tokenizer is None:  # the key may appear after start-up
            self._tokenizer = self._tokenizer_factory()

    def __contains__(self, customer_id: object) -> bool:
        if not self._tokens or self._tokenizer is None or not isinstance(customer_id, str):
            return False
        return self._tokenizer.token(customer_id) in self._tokens

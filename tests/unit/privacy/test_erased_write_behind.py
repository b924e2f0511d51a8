"""An erasure made by another process is not undone by the API's write-behind queue.

`engage forget` clears the cache from its own process; the API may still hold the
customer's entry in its queue. The queue must neither answer for the customer nor
write the entry back once the erasure log names them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.adapters.store.local import LocalObjectStore
from engage.api.metrics import Metrics
from engage.api.writeback import CacheWriter
from engage.privacy.erased import ErasedCustomers
from engage.privacy.erasure_log import ErasureEvent, ErasureLog
from engage.privacy.tokens import load_tokenizer
from engage.settings import Settings
from fakes import FakeCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("ENGAGE_TOKEN_KEY", raising=False)
    return Settings(lake=str(tmp_path / "lake"))


def _erase(settings: Settings, store: LocalObjectStore, customer_id: str) -> None:
    """What `engage forget` writes first, from its own process."""
    tokenizer = load_tokenizer(settings)
    event = ErasureEvent(
        "erasure_x", "started", tokenizer.token(customer_id), tokenizer.key_id,
        "dpo", {"engagement_raw.customers": 1},
    )  # fmt: skip
    ErasureLog(store).append(event)


def _writer(settings: Settings, store: LocalObjectStore, clock: Clock) -> tuple:
    def tokenizer():
        return load_tokenizer(settings, create=False)

    erased = ErasedCustomers(store, tokenizer, min_interval_s=1.0, clock=clock)
    cache, metrics = FakeCache(), Metrics()
    return CacheWriter(cache, metrics, erased=erased), cache, metrics, erased


def test_queued_entry_of_a_customer_erased_elsewhere_is_dropped(settings: Settings) -> None:
    store, clock = LocalObjectStore(Path(settings.lake)), Clock()
    writer, cache, metrics, _ = _writer(settings, store, clock)
    writer.put("CUST_1#batch", {"p": 1}, "v1")
    writer.put("CUST_2#batch", {"p": 2}, "v1")
    _erase(settings, store, "CUST_1")
    assert writer.flush() == 1
    assert cache.get("CUST_1#batch") is None and cache.get("CUST_2#batch") is not None
    assert metrics.events["cache_writes_erased"] == 1
    writer.put("CUST_1#abc", {"p": 3}, "v1")  # a later live prediction under the id
    assert writer.get("CUST_1#abc") is None  # never answered from the queue either
    writer.flush()
    assert cache.get("CUST_1#abc") is None


def test_the_log_is_listed_at_most_once_per_interval(settings: Settings) -> None:
    store, clock = LocalObjectStore(Path(settings.lake)), Clock()
    _, _, _, erased = _writer(settings, store, clock)
    erased.refresh()
    _erase(settings, store, "CUST_9")
    erased.refresh()  # same instant: not re-read yet
    assert "CUST_9" not in erased
    clock.now += 1.5
    erased.refresh()
    assert "CUST_9" in erased and "CUST_8" not in erased


def test_without_any_erasure_nothing_is_filtered(settings: Settings) -> None:
    store, clock = LocalObjectStore(Path(settings.lake)), Clock()
    writer, cache, _, erased = _writer(settings, store, clock)
    writer.put("CUST_1#batch", {"p": 1}, "v1")
    assert writer.get("CUST_1#batch") == {"p": 1}
    assert writer.flush() == 1 and "CUST_1" not in erased
    assert cache.get("CUST_1#batch") is not None
    assert not settings.resolved_token_key_path().exists()  # the API never makes a key

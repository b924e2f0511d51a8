"""Bulk cache writes to DynamoDB: batches of 25 sent in parallel, unprocessed items retried."""

from __future__ import annotations

import threading
from typing import Any

from engage.adapters.cache.dynamodb import DynamoDbCache


class FakeDynamo:
    """Records every BatchWriteItem; optionally refuses half of each full batch, once."""

    def __init__(self, barrier: threading.Barrier | None = None, refuse_once: bool = False):
        self.barrier, self.refuse_once = barrier, refuse_once
        self.lock = threading.Lock()
        self.stored: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls = 0
        self.refused: set[str] = set()

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        if self.barrier is not None:
            self.barrier.wait()  # passes only when `parties` calls are in flight together
        ((table, requests),) = RequestItems.items()
        with self.lock:
            self.calls += 1
            first = requests[0]["PutRequest"]["Item"]["customer_id"]["S"]
            if self.refuse_once and len(requests) == 25 and first not in self.refused:
                self.refused.add(first)
                keep, back = requests[: len(requests) // 2], requests[len(requests) // 2 :]
            else:
                keep, back = requests, []
            for request in keep:
                item = request["PutRequest"]["Item"]
                self.stored[(item["customer_id"]["S"], item["feature_hash"]["S"])] = item
        return {"UnprocessedItems": {table: back} if back else {}}


def _entries(n: int) -> list[tuple[str, dict[str, int]]]:
    return [(f"CUST_{i:05d}#batch", {"i": i}) for i in range(n)]


def test_batches_are_in_flight_together() -> None:
    client = FakeDynamo(barrier=threading.Barrier(4, timeout=10))
    cache = DynamoDbCache(client, concurrency=4)
    assert cache.put_many(_entries(25 * 8), "v1") == 200  # 8 batches, 4 at a time
    assert len(client.stored) == 200 and client.calls == 8


def test_unprocessed_items_are_retried_until_written() -> None:
    client = FakeDynamo(refuse_once=True)
    cache = DynamoDbCache(client, concurrency=3)
    assert cache.put_many(_entries(1000), "v1") == 1000
    assert len(client.stored) == 1000
    assert client.calls == 2 * 40  # each of the 40 batches needed one retry


def test_a_partial_last_batch_and_no_entries() -> None:
    client = FakeDynamo()
    cache = DynamoDbCache(client)
    assert cache.put_many(_entries(26), "v1") == 26 and client.calls == 2
    assert cache.put_many([], "v1") == 0 and client.calls == 2

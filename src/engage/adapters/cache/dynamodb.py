"""The AWS prediction cache: the seed's DynamoDB table `predictions-cache` (§4.1).

Partition key `customer_id`, sort key `feature_hash`, attributes `value` (the
prediction as JSON), `model_version`, `timestamp` (epoch seconds) and `ttl`
(epoch seconds, the table's TTL attribute), and the GSI
`model_version-timestamp-index`. DynamoDB deletes expired items lazily (up to
days later), so reads also compare `ttl` with the clock: an expired entry is
never served. Invalidation scans the GSI for other versions' keys and deletes
them in batches of 25 (BatchWriteItem's limit).

Bulk writes (the pipeline's cache warm, invalidation) send up to `concurrency`
batches at once from a thread pool (boto3 clients are thread-safe), with at most
twice that many batches in memory: at 60M customers one batch after another
would be 2.4M sequential round trips. Unprocessed items are retried with
exponential backoff, per batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import orjson

from engage.adapters.cache import encode_value, split_key

GSI = "model_version-timestamp-index"
_BATCH = 25


class DynamoDbCache:
    """Cache port on DynamoDB; `client` is a boto3 DynamoDB client (built by bootstrap)."""

    is_local = False  # network round trips: the API calls it from its thread pool

    def __init__(
        self,
        client: Any,
        table: str = "predictions-cache",
        ttl_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        concurrency: int = 8,
    ) -> None:
        self.client, self.table, self.ttl_seconds, self.clock = client, table, ttl_seconds, clock
        self.concurrency = max(1, concurrency)

    def __repr__(self) -> str:
        return f"DynamoDbCache({self.table!r})"

    def ensure_table(self) -> None:
        """Create the table as the seed's Terraform does, if it is missing (local/moto use)."""
        existing = self.client.list_tables().get("TableNames", [])
        if self.table in existing:
            return
        attrs = [("customer_id", "S"), ("feature_hash", "S"), ("model_version", "S"),
                 ("timestamp", "N")]  # fmt: skip
        self.client.create_table(
            TableName=self.table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attrs],
            KeySchema=[
                {"AttributeName": "customer_id", "KeyType": "HASH"},
                {"AttributeName": "feature_hash", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": GSI,
                    "KeySchema": [
                        {"AttributeName": "model_version", "KeyType": "HASH"},
                        {"AttributeName": "timestamp", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        self.client.get_waiter("table_exists").wait(TableName=self.table)
        self.client.update_time_to_live(
            TableName=self.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
        )

    def get(self, key: str) -> dict[str, Any] | None:
        customer_id, feature_hash = split_key(key)
        item = self.client.get_item(
            TableName=self.table,
            Key={"customer_id": {"S": customer_id}, "feature_hash": {"S": feature_hash}},
        ).get("Item")
        if item is None or float(item["ttl"]["N"]) <= self.clock():
            return None
        return orjson.loads(item["value"]["S"])

    def put(self, key: str, value: dict[str, Any], model_version: str) -> None:
        self.client.put_item(TableName=self.table, Item=self._item(key, value, model_version))

    def put_many(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        requests = ({"PutRequest": {"Item": self._item(k, v, model_version)}} for k, v in items)
        return self._batch_write(requests)

    def replace_all(
        self, items: Iterable[tuple[str, dict[str, Any] | bytes]], model_version: str
    ) -> int:
        """Load these entries, then drop every other version's (item writes never lock
        the table, so readers and writers go on meanwhile)."""
        written = self.put_many(items, model_version)
        self.invalidate_except(model_version)
        return written

    def invalidate_except(self, model_version: str) -> int:
        stale = (
            {"DeleteRequest": {"Key": key}}
            for key in self._scan_keys(
                IndexName=GSI,
                FilterExpression="model_version <> :keep OR #ttl <= :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":keep": {"S": model_version},
                    ":now": {"N": str(int(self.clock()))},
                },
            )
        )
        return self._batch_write(stale)

    def delete_customer(self, customer_id: str) -> int:
        keys = self._paged(
            "query",
            KeyConditionExpression="customer_id = :c",
            ExpressionAttributeValues={":c": {"S": customer_id}},
            ProjectionExpression="customer_id, feature_hash",
        )
        return self._batch_write({"DeleteRequest": {"Key": k}} for k in keys)

    def close(self) -> None:
        """Nothing to release: boto3 clients hold no server-side state."""

    # -- helpers ----------------------------------------------------------------------
    def _item(self, key: str, value: dict[str, Any] | bytes, model_version: str) -> dict[str, Any]:
        customer_id, feature_hash = split_key(key)
        now = self.clock()
        body = encode_value(value).decode()
        return {
            "customer_id": {"S": customer_id},
            "feature_hash": {"S": feature_hash},
            "value": {"S": body},
            "model_version": {"S": model_version},
            "timestamp": {"N": repr(round(now, 6))},
            "ttl": {"N": str(int(now + self.ttl_seconds))},
        }

    def _scan_keys(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for item in self._paged("scan", **kwargs):
            yield {"customer_id": item["customer_id"], "feature_hash": item["feature_hash"]}

    def _paged(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        call = getattr(self.client, operation)
        start: dict[str, Any] | None = None
        while True:
            page = call(
                TableName=self.table, **kwargs, **({"ExclusiveStartKey": start} if start else {})
            )
            yield from page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def _batch_write(self, requests: Iterable[dict[str, Any]]) -> int:
        """Send the requests in batches of 25, `concurrency` batches in flight."""
        written, in_flight = 0, set[Future[int]]()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="ddb-write") as pool:
            for chunk in _chunks(requests, _BATCH):
                if len(in_flight) >= 2 * self.concurrency:  # bound what is held in memory
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    written += sum(f.result() for f in done)
                in_flight.add(pool.submit(self._write_chunk, chunk))
            written += sum(f.result() for f in in_flight)
        return written

    def _write_chunk(self, chunk: list[dict[str, Any]]) -> int:
        pending = {self.table: chunk}
        for attempt in range(8):  # unprocessed items are retried with backoff
            response = self.client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return len(chunk)
            time.sleep(0.05 * 2**attempt)
        raise RuntimeError(f"DynamoDB left {len(pending[self.table])} writes unprocessed")


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

"""Prediction cache adapters: SQLite (local default) and DynamoDB (the seed's table)."""

from __future__ import annotations

from typing import Any

import orjson


class CacheBusyError(RuntimeError):
    """Another writer holds the cache's lock past the short busy timeout.

    Callers treat it as a miss (read) or skip the write: a busy cache slows
    nothing down and never fails a request.
    """


def split_key(key: str) -> tuple[str, str]:
    """``customer_id#feature_hash`` -> (customer_id, feature_hash); both parts required."""
    customer_id, sep, feature_hash = key.partition("#")
    if not sep or not customer_id or not feature_hash:
        raise ValueError(f"cache keys look like 'customer_id#feature_hash', got {key!r}")
    return customer_id, feature_hash


def encode_value(value: dict[str, Any] | bytes) -> bytes:
    """JSON bytes of a cache value (values already encoded pass through)."""
    if isinstance(value, bytes):
        return value
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)

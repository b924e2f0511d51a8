"""The hostile-input suite (with test_validation, test_auth, test_key_memo, test_server
and test_schemathesis): what an attacker or a careless client can send, and that
each gets a clear JSON 4xx/503, never a 5xx, a reflected header or a frozen server."""

from __future__ import annotations

import asyncio
import math

import orjson
import pytest
from fastapi.testclient import TestClient

from engage.adapters.cache import CacheBusyError
from engage.api.app import create_app
from engage.api.limits import GuardMiddleware, item_bytes
from engage.api.metrics import Metrics
from engage.api.state import build_state
from engage.contract import CUSTOMERS, MODEL_INPUTS, DType


def test_a_client_that_goes_away_is_not_a_500() -> None:
    metrics = Metrics()

    async def app(scope, receive, send):  # never reached
        raise AssertionError

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        raise AssertionError("nothing must be sent to a gone client")

    guard = GuardMiddleware(app, 1024, metrics)
    asyncio.run(guard({"type": "http", "method": "POST", "headers": []}, receive, send))
    text = metrics.render()
    assert 'status="500"' not in text and "engage_client_disconnects_total 1" in text


def test_trailing_slash_does_not_echo_the_host_header(client, keys) -> None:
    r = client.post(
        "/predict/",
        json={"customer_id": "CUST_0000001"},
        headers={**keys.h(), "host": "evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 404 and "location" not in r.headers
    assert "evil.example" not in r.text


def widest(name: str):
    """The longest JSON value a feature may take (for the worst-case batch)."""
    column = CUSTOMERS.column(name)
    if column.categories:
        return max(column.categories, key=len)
    if column.dtype is DType.FLOAT:
        low = column.minimum if column.minimum is not None else 0.0
        high = column.maximum if column.maximum is not None else low + 1.0
        return math.nextafter(low + (high - low) / 3.0, math.inf)  # 17 significant digits
    if column.dtype is DType.BOOL:
        return False
    return int(column.maximum if column.maximum is not None else 0)


def test_a_full_batch_of_the_largest_items_fits_the_body_limit(client, keys, state) -> None:
    features = {name: widest(name) for name in MODEL_INPUTS}
    n = state.settings.api_batch_max
    body = {"requests": [{"customer_id": "CUST_" + "9" * 12, "features": features}] * n}
    raw = orjson.dumps(body)
    assert len(raw) > state.settings.api_max_body_bytes  # before: refused with 413
    assert len(orjson.dumps(body["requests"][0])) <= item_bytes()
    r = client.post(
        "/predict/batch", content=raw, headers={**keys.h(), "content-type": "application/json"}
    )
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["results"]) == n
    too_many = {"requests": body["requests"] * 2}
    r = client.post("/predict/batch", json=too_many, headers=keys.h())
    assert r.status_code in (413, 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"customer_id": "CUST_0000001", "features": {"age": NaN}}',
        b'{"customer_id": "CUST_0000001", "features": {"trust_score": Infinity}}',
        b'{"customer_id": "CUST_0000001", "features": {"trust_score": -Infinity}}',
        b'{"customer_id": "CUST_0000001", "features": {"trust_score": 1e999}}',
        b'{"customer_id": "CUST_0000001", "features": {"age": 1e400}}',
        b'{"customer_id": "CUST_0000001", "features": ' + b'{"a":' * 3000 + b"1" + b"}" * 3001,
        b'{"requests": ' + b"[" * 20000 + b"]" * 20000 + b"}",
        b'{"customer_id": "CUST_0000001", "customer_id": "CUST_0000002", "x": 1}',
        b'{"customer_id": "\\u0000"}',
        b'{"customer_id": "\\ud800"}',
    ],
)
def test_non_finite_nested_and_odd_json_are_4xx(client, keys, raw) -> None:
    for path in ("/predict", "/predict/batch"):
        r = client.post(path, content=raw, headers={**keys.h(), "content-type": "application/json"})
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "headers",
    [
        [("x-api-key", "ek_000000000000_" + "a" * 40), ("x-api-key", "second")],
        [("x-api-key", " ek_000000000000_" + "a" * 40 + " ")],
        [("x-api-key", "x" * 8000)],
        [("X-API-KEY", "ek_zzzzzzzzzzzz_" + "a" * 40)],
        [("x-api-key", "ek_000000000000_aaaaaaaaaaaaaaaaaaaa\r\nx-injected: 1")],
        [("authorization", "Bearer anything")],
    ],
)
def test_header_tricks_are_401(client, headers) -> None:
    try:
        r = client.post("/predict", json={"customer_id": "CUST_0000001"}, headers=headers)
    except Exception as err:  # the HTTP client itself refuses a CR/LF header: fine
        assert "\r\n" in str(headers), err
        return
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_rate_limit_answers_429_with_retry_after(world, keys, tmp_path) -> None:
    state = build_state(world.settings(tmp_path, api_burst=3), clock=lambda: 0.0)
    with TestClient(create_app(state=state, background=False)) as c:
        codes = [
            c.post("/predict", json={"customer_id": "CUST_0000001"}, headers=keys.h())
            for _ in range(5)
        ]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    assert int(codes[3].headers["Retry-After"]) >= 1


def test_a_bug_is_a_json_500_without_internals(world, keys, tmp_path, monkeypatch) -> None:
    state = build_state(world.settings(tmp_path))

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(state.service, "answer", broken)
    monkeypatch.setattr(state.service, "fast", lambda *a: None)
    with TestClient(create_app(state=state, background=False), raise_server_exceptions=False) as c:
        r = c.post("/predict", json={"customer_id": "CUST_0000001"}, headers=keys.h())
    assert r.status_code == 500 and r.json() == {
        "error": "internal_error",
        "detail": "internal error",
    }
    assert "secret" not in r.text


def test_a_busy_cache_without_fallback_is_503_retry_after(world, keys, tmp_path, monkeypatch):
    state = build_state(world.settings(tmp_path))

    def busy(customer_id):
        raise CacheBusyError("locked")

    monkeypatch.setattr(state.cache, "delete_customer", busy)
    with TestClient(create_app(state=state, background=False)) as c:
        r = c.delete("/admin/cache/CUST_0000001", headers=keys.h("admin"))
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert r.json()["error"] == "unavailable"

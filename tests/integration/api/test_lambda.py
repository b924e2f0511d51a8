"""The same app in AWS Lambda behind API Gateway: Mangum and a REST API proxy event."""

from __future__ import annotations

import json

import pytest

from engage.api import lambda_handler


def proxy_event(method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
    """An API Gateway REST API (v1) proxy integration event, as Lambda receives it."""
    headers = {"content-type": "application/json", "host": "api.example.com"}
    if key:
        headers["x-api-key"] = key
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "apiKeyId": "abc"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


@pytest.fixture
def handler(world, keys, tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGE_LAKE", str(world.lake))
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(world.source))
    monkeypatch.setenv("ENGAGE_CACHE_PATH", str(tmp_path / "lambda-cache.sqlite"))
    monkeypatch.setenv("ENGAGE_API_KEYS_PATH", str(keys.path))
    lambda_handler.reset()
    yield lambda_handler.handler
    lambda_handler.reset()


def test_lambda_answers_api_gateway_proxy_events(handler, keys, world) -> None:
    health = handler(proxy_event("GET", "/health"), None)
    assert health["statusCode"] == 200
    assert json.loads(health["body"])["model_versions"]["engagement"] == "v1"
    r = handler(proxy_event("POST", "/predict", {"customer_id": "CUST_0000010"}, keys.reader), None)
    assert r["statusCode"] == 200
    body = json.loads(r["body"])
    expected = world.predictions["CUST_0000010"]["churn_probability"]
    assert body["prediction"]["churn_probability"] == pytest.approx(expected, abs=1e-12)
    live = {"customer_id": "CUST_0000010", "features": world.inputs["CUST_0000010"]}
    r = handler(proxy_event("POST", "/predict", live, keys.reader), None)
    assert json.loads(r["body"])["source"] == "live"
    assert lambda_handler._STATE.audit.pending == 0  # flushed before the invocation returned
    assert handler(proxy_event("POST", "/predict", {"customer_id": "x"}), None)["statusCode"] == 401
    bad = handler(proxy_event("POST", "/predict", {"customer_id": "C", "z": 1}, keys.reader), None)
    assert bad["statusCode"] == 422

"""Request validation generated from the data contract: every bad input is a clear 4xx
that names the field, and nothing reflects the hostile value back."""

from __future__ import annotations

import pytest

from engage.contract import CUSTOMERS, MODEL_INPUTS

BAD_FEATURES = {
    "string for int": ({"age": "30"}, "body.features.age", "int_type"),
    "float for int": ({"age": 30.5}, "body.features.age", "int_type"),
    "bool for int": ({"referral_count": True}, "body.features.referral_count", "int_type"),
    "below minimum": ({"age": 17}, "body.features.age", "greater_than_equal"),
    "above maximum": ({"trust_score": 1.5}, "body.features.trust_score", "less_than_equal"),
    "unknown category": ({"location": "XX"}, "body.features.location", "literal_error"),
    "unknown field": ({"salary": 1}, "body.features.salary", "extra_forbidden"),
    "null not allowed": ({"age": None}, "body.features.age", "int_type"),
    "string for float": ({"trust_score": "0.5"}, "body.features.trust_score", "float_type"),
    "list for float": ({"trust_score": [0.5]}, "body.features.trust_score", "float_type"),
    "target is not an input": (
        {"churn_30_day": True},
        "body.features.churn_30_day",
        "extra_forbidden",
    ),
}


@pytest.mark.parametrize(
    ("features", "field", "kind"), BAD_FEATURES.values(), ids=BAD_FEATURES.keys()
)
def test_bad_features_are_422_naming_the_field(client, keys, features, field, kind) -> None:
    r = client.post(
        "/predict", json={"customer_id": "CUST_0000001", "features": features}, headers=keys.h()
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert any(d["field"] == field and d["type"] == kind for d in detail), detail
    assert "input" not in detail[0]  # the value is not reflected


def test_nullable_columns_accept_null(client, keys, live) -> None:
    body = live(
        "CUST_0000001", avg_job_completion_rating=None, time_since_first_transaction_days=None
    )
    assert client.post("/predict", json=body, headers=keys.h()).status_code == 200


def test_nan_and_infinity_are_refused(client, keys) -> None:
    for token in ("NaN", "Infinity", "-Infinity", "1e999"):
        raw = '{"customer_id": "CUST_0000001", "features": {"trust_score": TOKEN}}'
        raw = raw.replace("TOKEN", token)
        r = client.post(
            "/predict", content=raw, headers={**keys.h(), "content-type": "application/json"}
        )
        assert r.status_code == 422, token


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json",
        b'{"customer_id": "CUST_1",}',
        b"[1, 2, 3]",
        b'"CUST_0000001"',
        b"\xff\xfe\x00garbage",
        b'{"customer_id": 123}',
        b'{"customer_id": null}',
        b'{"features": {}}',
        b'{"customer_id": "CUST_0000001", "extra": 1}',
        b'{"customer_id": "CUST_0000001", "features": []}',
        b'{"customer_id": "' + b"9" * 5000 + b'"}',
        b'{"customer_id": "CUST_0000001", "features": {"age": ' + b"9" * 5000 + b"}}",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_malformed_bodies_are_4xx(client, keys, raw) -> None:
    r = client.post(
        "/predict", content=raw, headers={**keys.h(), "content-type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"] in ("bad_request", "validation_error")


@pytest.mark.parametrize(
    "customer_id",
    ["x' OR '1'='1", "'; DROP TABLE predictions; --", "../../etc/passwd", "<script>", "a#b",
     "CUST 1", "", "x" * 65, "CUST_\u00e9", "CUST_1\n"],
)  # fmt: skip
def test_injection_looking_ids_are_refused(client, keys, customer_id) -> None:
    r = client.post("/predict", json={"customer_id": customer_id}, headers=keys.h())
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body.customer_id"
    assert customer_id not in r.text or customer_id == ""


def test_oversized_bodies_are_413(client, keys, state) -> None:
    limit = state.settings.api_max_body_bytes
    big = b'{"customer_id": "CUST_0000001", "pad": "' + b"x" * limit + b'"}'
    r = client.post(
        "/predict", content=big, headers={**keys.h(), "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

    def chunks():  # no Content-Length: the bytes that arrive are counted
        for _ in range(limit // 1000 + 2):
            yield b"x" * 1000

    r = client.post(
        "/predict", content=chunks(), headers={**keys.h(), "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_wrong_content_type_is_422(client, keys) -> None:
    r = client.post(
        "/predict",
        content=b"customer_id=CUST_1",
        headers={**keys.h(), "content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422


def test_every_model_input_has_a_contract_schema(client) -> None:
    props = client.get("/openapi.json").json()["components"]["schemas"]["CustomerFeatures"]
    assert set(props["properties"]) == set(MODEL_INPUTS)
    assert props["additionalProperties"] is False
    location = props["properties"]["location"]
    assert set(location["enum"]) == set(CUSTOMERS.column("location").categories)

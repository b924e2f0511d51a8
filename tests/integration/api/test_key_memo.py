"""Key verification under churn and attack.

Before: any change to the key file (a create or revoke of *another* key) made
the server forget every verified key, so every client paid scrypt again; and a
known key id with wrong secrets cost one scrypt per request without limit.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from engage.api import keys as keys_module
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.api.state import AUTH_BURST, build_state
from engage.api.throttle import TokenBuckets


def test_other_keys_changing_keeps_verified_keys(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    record, key = store.create("kept", "reader")
    server = KeyStore(store.path)  # the server's own view of the same file
    assert server.authenticate(key) == record
    other, _ = store.create("another", "reader")
    assert server.remembered(key) == (True, record)  # no second scrypt
    store.revoke(other.key_id)
    assert server.remembered(key) == (True, record)
    store.revoke(record.key_id)
    assert server.remembered(key) == (True, None)  # its own revocation is honoured


def test_wrong_secrets_for_a_known_id_are_throttled(world, keys, tmp_path, monkeypatch) -> None:
    calls = []
    real = keys_module._digest
    monkeypatch.setattr(keys_module, "_digest", lambda s, salt: calls.append(1) or real(s, salt))
    state = build_state(world.settings(tmp_path), clock=lambda: 0.0)  # time stands still
    prefix = keys.reader.rsplit("_", 1)[0]
    with TestClient(create_app(state=state, background=False)) as client:
        answers = [
            client.post(
                "/predict",
                json={"customer_id": "CUST_0000001"},
                headers={"x-api-key": f"{prefix}_wrong{i:02d}{'x' * 20}"},
            )
            for i in range(40)
        ]
    codes = [r.status_code for r in answers]
    assert set(codes) == {401, 429} and codes.count(401) == AUTH_BURST
    assert len(calls) == AUTH_BURST  # scrypt ran a bounded number of times, not 40
    throttled = next(r for r in answers if r.status_code == 429)
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["error"] == "too_many_requests"


def test_throttle_memory_is_bounded() -> None:
    buckets = TokenBuckets(1.0, 2, max_keys=100)
    for i in range(5000):
        buckets.take(f"ip:{i}")
    assert len(buckets) == 100

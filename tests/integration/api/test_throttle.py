"""Per-key token buckets: burst, then rate; 429 with Retry-After; a fake clock."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engage.api.app import create_app
from engage.api.state import build_state
from engage.api.throttle import TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_rate() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("k")[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = buckets.take("k")
    assert not allowed and wait == 0.5
    assert buckets.take("other")[0]  # buckets are per key
    clock.now += 0.5
    assert buckets.take("k")[0] and not buckets.take("k")[0]
    clock.now += 100  # refills up to the burst, not beyond
    assert [buckets.take("k")[0] for _ in range(4)] == [True, True, True, False]
    assert TokenBuckets.retry_after(0.01) == "1" and TokenBuckets.retry_after(2.2) == "3"


def test_api_answers_429_with_retry_after_then_recovers(world, keys, tmp_path) -> None:
    clock = FakeClock()
    settings = world.settings(tmp_path, api_rate_per_second=0.5, api_burst=2)
    state = build_state(settings, clock=clock)
    body = {"customer_id": "CUST_0000001"}
    with TestClient(create_app(state=state, background=False)) as c:
        codes = [c.post("/predict", json=body, headers=keys.h()).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.post("/predict", json=body, headers=keys.h())
        assert r.status_code == 429 and r.headers["Retry-After"] == "2"
        assert r.json()["error"] == "too_many_requests"
        assert c.post("/predict", json=body, headers=keys.h("admin")).status_code == 200
        assert c.get("/health").status_code == 200  # open routes are not throttled
        clock.now += 2.0
        assert c.post("/predict", json=body, headers=keys.h()).status_code == 200
        assert "engage_throttled_total 2" in c.get("/metrics", headers=keys.h("admin")).text

"""GET /customers/{id}/forecast serves the run's EngagementForecast rows (issue 18)."""

from __future__ import annotations

import pytest

from engage import bootstrap, lake
from engage.settings import Settings


def test_forecast_route_returns_seven_days_with_intervals(world, client, keys) -> None:
    store = bootstrap.object_store(Settings(lake=str(world.lake)))
    rows = [
        r
        for r in store.read_parquet(lake.FORECAST_CUSTOMERS).to_pylist()
        if r["customer_id"] == "CUST_0000003"
    ]
    r = client.get("/customers/CUST_0000003/forecast", headers=keys.h())
    assert r.status_code == 200
    body = r.json()
    assert body["run_id"] == world.run_id and body["model"] == rows[0]["model"]
    assert [d["horizon_day"] for d in body["days"]] == list(range(1, 8))
    stored = {x["horizon_day"]: x for x in rows}
    for day in body["days"]:
        assert day["forecast"] == pytest.approx(stored[day["horizon_day"]]["forecast"])
        assert day["lower_95"] <= day["lower_80"] <= day["forecast"] <= day["upper_80"]
        assert day["upper_80"] <= day["upper_95"]
    assert len(body["platform"]) == 7
    assert body["platform"][0]["lower_95"] <= body["platform"][0]["total"]


def test_forecast_route_refuses_unknown_and_bad_ids_and_needs_a_key(client, keys) -> None:
    assert client.get("/customers/CUST_9999999/forecast", headers=keys.h()).status_code == 404
    assert client.get("/customers/x'--/forecast", headers=keys.h()).status_code == 422
    assert client.get("/customers/CUST_0000003/forecast").status_code == 401

"""Every route, through FastAPI's TestClient, on the session's real lake."""

from __future__ import annotations

import pytest


def test_predict_by_id_misses_then_hits_the_cache(world, client, keys) -> None:
    cid = "CUST_0000007"
    first = client.post("/predict", json={"customer_id": cid}, headers=keys.h())
    second = client.post("/predict", json={"customer_id": cid}, headers=keys.h())
    assert first.status_code == second.status_code == 200
    a, b = first.json(), second.json()
    assert (a["cache"], b["cache"]) == ("miss", "hit")
    assert a["prediction"] == b["prediction"]
    assert a["source"] == "batch" and a["run_id"] == world.run_id
    assert set(a["model_versions"]) == {"engagement", "churn", "ltv", "recommendation", "anomaly"}
    assert a["latency_ms"] >= 0 and a["timestamp"].endswith("Z")
    assert len(a["explanations"]["engagement"]) == 5 and len(a["explanations"]["churn"]) == 5


def test_live_prediction_changes_with_inputs_and_is_cached(world, client, keys, live) -> None:
    cid = "CUST_0000011"
    base = client.post("/predict", json=live(cid), headers=keys.h()).json()
    inactive = live(cid, days_since_last_login=300, avg_daily_logins=0.0)
    changed = client.post("/predict", json=inactive, headers=keys.h()).json()
    again = client.post("/predict", json=inactive, headers=keys.h()).json()
    assert changed["source"] == "live" and changed["cache"] == "miss" and again["cache"] == "hit"
    assert changed["prediction"]["churn_probability"] != base["prediction"]["churn_probability"]
    assert again["prediction"] == changed["prediction"]


def test_partial_features_are_filled_from_the_customers_stored_inputs(
    world, client, keys, live
) -> None:
    cid = "CUST_0000012"
    full = live(cid, age=40)
    partial = {"customer_id": cid, "features": {"age": 40}}
    a = client.post("/predict", json=full, headers=keys.h()).json()
    b = client.post("/predict", json=partial, headers=keys.h()).json()
    assert b["prediction"] == a["prediction"] and b["skipped"] == {}


def test_a_new_customer_gets_the_models_its_inputs_allow(world, client, keys, live) -> None:
    only_age = client.post(
        "/predict",
        json={"customer_id": "CUST_900000042", "features": {"age": 30}},
        headers=keys.h(),
    ).json()
    assert set(only_age["skipped"]) == {"engagement", "churn", "ltv", "anomaly"}
    assert "missing features" in only_age["skipped"]["churn"]
    assert len(only_age["prediction"]["recommended_items"]) == 10  # popularity fallback
    complete = live("CUST_0000013")
    complete["customer_id"] = "CUST_900000043"
    full = client.post("/predict", json=complete, headers=keys.h()).json()
    assert full["skipped"] == {} and full["prediction"]["engagement_score"] is not None


def test_unknown_customer_without_features_is_404(client, keys) -> None:
    r = client.post("/predict", json={"customer_id": "CUST_9999999"}, headers=keys.h())
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_batch_answers_each_item_and_is_bounded(world, client, keys, state, live) -> None:
    items = [
        {"customer_id": "CUST_0000001"},
        {"customer_id": "CUST_999999999"},
        live("CUST_0000002"),
    ]
    r = client.post("/predict/batch", json={"requests": items}, headers=keys.h())
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["status"] for x in results] == [200, 404, 200]
    assert results[2]["result"]["source"] == "live"
    too_many = [{"customer_id": "CUST_0000001"}] * (state.settings.api_batch_max + 1)
    r = client.post("/predict/batch", json={"requests": too_many}, headers=keys.h())
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body.requests"
    assert client.post("/predict/batch", json={"requests": []}, headers=keys.h()).status_code == 422


def test_customer_route_returns_inputs_and_latest(world, client, keys) -> None:
    r = client.get("/customers/CUST_0000003", headers=keys.h())
    assert r.status_code == 200
    body = r.json()
    assert body["features"] == world.inputs["CUST_0000003"]
    assert body["latest"]["source"] == "batch"
    uplift = body["premium_uplift"]  # the run's causal model (engage.stages.premium_uplift)
    assert uplift["lower"] <= uplift["effect"] <= uplift["upper"]
    assert uplift["run_id"] == world.run_id and isinstance(uplift["in_overlap"], bool)
    assert client.get("/customers/CUST_9999999", headers=keys.h()).status_code == 404
    assert client.get("/customers/x' OR '1'='1", headers=keys.h()).status_code == 422


def test_customer_route_carries_the_runs_segment(world, client, keys) -> None:
    from engage import bootstrap, lake
    from engage.settings import Settings

    store = bootstrap.object_store(Settings(lake=str(world.lake)))
    rows = {r["customer_id"]: r for r in store.read_parquet(lake.SEGMENTS).to_pylist()}
    segment = client.get("/customers/CUST_0000003", headers=keys.h()).json()["segment"]
    expected = rows["CUST_0000003"]
    assert segment["segment_name"] == expected["segment_name"] and segment["segment_name"]
    assert segment["segment_id"] == expected["segment_id"]
    assert 0 <= segment["kmeans_confidence"] <= 1 and segment["run_id"] == world.run_id


def test_health_ready_and_docs_need_no_key(client, state) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["model_versions"]["engagement"] == "v1"
    assert health["model_version"] == state.holder.current.tag
    assert client.get("/ready").json()["ready"] is True
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/predict", "/predict/batch", "/customers/{customer_id}", "/metrics"} <= set(
        spec["paths"]
    )
    age = spec["components"]["schemas"]["CustomerFeatures"]["properties"]["age"]
    assert age["minimum"] == 18 and age["maximum"] == 65


def test_models_route_shows_vs_baseline_and_vs_ceiling(client, keys) -> None:
    assert client.get("/models").status_code == 401
    body = client.get("/models", headers=keys.h()).json()
    rows = {m["model"]: m for m in body["models"]}
    assert set(rows) == {"engagement", "churn", "ltv", "recommendation", "anomaly"}
    engagement = rows["engagement"]
    assert engagement["version"] == "v1" and engagement["baseline"] == "gbm_defaults"
    assert engagement["vs_baseline"] == pytest.approx(
        engagement["grade_value"] - engagement["baseline_value"]
    )
    assert engagement["validation_metrics"]["r2"] > 0
    assert rows["anomaly"]["ceiling"] == 1.0
    assert "x ceiling" in engagement["summary"]


def test_metrics_are_prometheus_text(client, keys) -> None:
    client.post("/predict", json={"customer_id": "CUST_0000001"}, headers=keys.h())
    r = client.get("/metrics", headers=keys.h("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'engage_http_requests_total{route="/predict",method="POST",status="200"}' in r.text
    assert "engage_http_request_duration_seconds_bucket" in r.text
    assert "engage_cache_hits_total" in r.text and 'engagement="v1"' in r.text


def test_admin_routes(client, keys) -> None:
    assert client.post("/admin/reload", headers=keys.h("admin")).json()["reloaded"] is False
    listed = client.get("/admin/keys", headers=keys.h("admin")).json()["keys"]
    assert {"tests-reader", "tests-admin"} <= {k["name"] for k in listed}
    assert all("hash" not in k and "salt" not in k for k in listed)
    client.post("/predict", json={"customer_id": "CUST_0000005"}, headers=keys.h())
    erased = client.delete("/admin/cache/CUST_0000005", headers=keys.h("admin")).json()
    assert erased["deleted"] >= 1
    again = client.post("/predict", json={"customer_id": "CUST_0000005"}, headers=keys.h())
    assert again.json()["cache"] == "miss"  # served from the table again


def test_unknown_routes_and_methods_are_clear_4xx(client, keys) -> None:
    assert client.get("/nope", headers=keys.h()).status_code == 404
    assert client.get("/predict", headers=keys.h()).status_code == 405


def test_customer_route_carries_community_and_influence(world, client, keys) -> None:
    import pytest

    from engage import bootstrap, lake
    from engage.settings import Settings

    store = bootstrap.object_store(Settings(lake=str(world.lake)))
    row = next(
        r
        for r in store.read_parquet(lake.NETWORK_METRICS).to_pylist()
        if r["customer_id"] == "CUST_0000003"
    )
    body = client.get("/customers/CUST_0000003", headers=keys.h()).json()
    assert body["community"] == row["community_id"]
    assert body["influence"] == pytest.approx(row["influence_score"])

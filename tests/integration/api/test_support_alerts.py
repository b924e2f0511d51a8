"""GET /support/alerts (issue 18 item 4): admin only, ids and scores, never the text."""

from __future__ import annotations

import pyarrow.parquet as pq


def test_alerts_are_the_runs_negative_texts_without_their_text(client, keys, world) -> None:
    r = client.get("/support/alerts", params={"limit": 1000}, headers=keys.h("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] > 0 and len(body["alerts"]) == min(body["total"], 1000)
    scores = [a["sentiment_score"] for a in body["alerts"]]
    assert scores == sorted(scores) and max(scores) < -0.5
    assert all(a["run_id"] == world.run_id for a in body["alerts"])
    assert "message_text" not in r.text
    messages = pq.read_table(world.source / "customer_messages.parquet").to_pylist()
    by_id = {m["message_id"]: m for m in messages}
    assert all(by_id[a["message_id"]]["sentiment_opt_in"] for a in body["alerts"])
    assert not any(by_id[a["message_id"]]["message_text"] in r.text for a in body["alerts"])


def test_alerts_filter_by_customer_and_refuse_bad_input(client, keys) -> None:
    first = client.get("/support/alerts", params={"limit": 1}, headers=keys.h("admin")).json()
    customer = first["alerts"][0]["customer_id"]
    r = client.get("/support/alerts", params={"customer_id": customer}, headers=keys.h("admin"))
    assert {a["customer_id"] for a in r.json()["alerts"]} == {customer}
    bad = client.get("/support/alerts", params={"limit": 0}, headers=keys.h("admin"))
    assert bad.status_code == 422
    bad = client.get("/support/alerts", params={"customer_id": "x'--"}, headers=keys.h("admin"))
    assert bad.status_code == 422


def test_alerts_need_an_admin_key(client, keys) -> None:
    assert client.get("/support/alerts", headers=keys.h("reader")).status_code == 403
    assert client.get("/support/alerts").status_code == 401


def test_an_unknown_query_parameter_is_refused_by_name(client, keys) -> None:
    """A typo (`limt`) used to be ignored: 200 with the default limit, another question."""
    r = client.get("/support/alerts", params={"limt": 5}, headers=keys.h("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == [
        {"field": "query.limt", "message": "unknown query parameter", "type": "extra_forbidden"}
    ]
    known = client.get("/support/alerts", params={"limit": 5}, headers=keys.h("admin"))
    assert known.status_code == 200
    health = client.get("/health", params={"verbose": 1})  # a route without parameters too
    assert health.status_code == 422

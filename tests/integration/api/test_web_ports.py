"""The web pages use the ports built at API start-up, follow a newly published run
without a restart, and show a live prediction in the customer's audit trail."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from engage import bootstrap
from engage.api.app import create_app
from engage.api.state import build_state
from engage.orchestrate import run_pipeline
from engage.settings import Settings
from engage.web.pages import customer as customer_page


def _sign_in(client: TestClient, key: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/app/login").text).group(1)
    client.post("/app/login", data={"csrf": token, "api_key": key}, follow_redirects=False)


def _no_composition_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """After start-up, a page that builds a catalog or a Q&A session fails loudly (the
    catalog port built at start-up opens its engines through `sql_engine` and
    `object_store`, so those stay; lint-imports forbids engage.web -> engage.bootstrap)."""

    def refuse(*_a, **_k):
        raise AssertionError("a web page called engage.bootstrap per request")

    for name in ("catalog", "session", "privacy_hooks"):
        monkeypatch.setattr(bootstrap, name, refuse)


def test_pages_follow_a_new_published_run_without_a_restart(world, keys, tmp_path) -> None:
    lake_dir = world.copy_lake(tmp_path / "lake")
    state = build_state(world.settings(tmp_path, lake=str(lake_dir)))
    customer = sorted(world.predictions)[0]
    with TestClient(create_app(state=state, background=False)) as client:
        _sign_in(client, keys.admin)
        assert world.run_id in client.get("/").text
        assert world.run_id in client.get(f"/app/customers/{customer}").text
        run = run_pipeline(Settings(lake=str(lake_dir), data_dir=world.source), sleep=lambda s: 0)
        assert run.succeeded and run.run_id != world.run_id
        overview = client.get("/")
        assert overview.status_code == 200 and run.run_id in overview.text
        page = client.get(f"/app/customers/{customer}")
        assert run.run_id in page.text and world.run_id not in page.text


def test_pages_and_the_ask_stream_need_no_composition_root_per_request(
    state, keys, world, monkeypatch
) -> None:
    with TestClient(create_app(state=state, background=False)) as client:
        _sign_in(client, keys.admin)
        _no_composition_per_request(monkeypatch)  # after start-up and sign-in
        customer = sorted(world.predictions)[1]
        for path in ("/", "/app/customers", f"/app/customers/{customer}", "/app/review",
                     f"/app/customers/{customer}/hints", f"/app/customers/{customer}/audit",
                     "/app/fairness", "/app/quality", "/app/models", "/app/runs"):  # fmt: skip
            assert client.get(path).status_code == 200, path
        csrf = re.search(r'data-csrf="([^"]+)"', client.get("/app/ask").text).group(1)
        answer = client.post(
            "/app/ask/stream",
            json={"question": "How many customers are there?"},
            headers={"x-csrf-token": csrf},
        )
        assert '"type": "answer"' in answer.text.splitlines()[-1]


def test_a_live_prediction_shows_in_the_customers_audit_trail(
    world, keys, tmp_path, live, monkeypatch
) -> None:
    lake_dir = world.copy_lake(tmp_path / "lake")
    state = build_state(world.settings(tmp_path, lake=str(lake_dir)))
    customer = sorted(world.predictions)[2]
    with TestClient(create_app(state=state, background=False)) as client:
        _sign_in(client, keys.reader)
        audit = f"/app/customers/{customer}/audit"
        earlier = client.get(audit).text.count(">api<")  # other tests may have asked too
        assert client.post("/predict", json=live(customer), headers=keys.h()).status_code == 200
        state.audit.flush()
        trail = client.get(audit).text
        rows = re.findall(r"<tr>.*?</tr>", trail, flags=re.S)
        assert sum(">api<" in r for r in rows) == earlier + 5  # one live entry per model
        assert sum(">batch<" in r for r in rows) >= 5
        assert ">api<" in rows[1]  # newest first (rows[0] is the header)
        monkeypatch.setattr(customer_page, "AUDIT_SHOWN", 3)
        capped = client.get(f"/app/customers/{customer}/audit").text
        assert len(re.findall(r"<tr>", capped)) == 1 + 3 and "the newest 3 are shown" in capped
        csv = client.get(f"/app/download/customer_audit.csv?id={customer}").text
    header, *lines = csv.strip().splitlines()
    assert len(lines) == len(rows) - 1 and "key_id" not in header and "input" not in header
    assert sum('"api"' in line for line in lines) == earlier + 5


def test_the_warmer_builds_a_runs_copies_before_any_visit(state, world, monkeypatch) -> None:
    from engage import lake
    from engage.serving import points

    monkeypatch.setattr(points, "_tables", {})
    warmer = create_app(state=state, background=False).state.web_warmer
    assert warmer.check() and warmer.warmed.startswith(world.run_id), warmer.last_error
    pages = {(k[1], v[0]) for k, v in points._tables.items() if "." in k[1]}
    assert pages == {
        ("engagement_predictions.predictions", warmer.warmed),
        ("engagement_raw.inference_input", warmer.warmed),
    }
    api = {k[1] for k, v in points._tables.items() if v[1] is not None} - {k for k, _ in pages}
    assert {lake.PREDICTIONS_TABLE, lake.PROCESSED_INFERENCE, lake.SEGMENTS} <= api
    assert warmer.check() is False  # nothing new to warm


def test_an_erased_customer_leaves_the_pages_copies_at_once(world, keys, tmp_path) -> None:
    """`engage forget` rewrites the published tables in place: the per-run copies the
    pages keep must drop the customer without a new run or a restart."""
    from engage.privacy.forget import forget_customer
    from engage.privacy.tokens import TokenKeys

    lake_dir = world.copy_lake(tmp_path / "lake")
    settings = world.settings(tmp_path, lake=str(lake_dir))
    state = build_state(settings)
    victim, other = sorted(world.predictions)[3:5]
    with TestClient(create_app(state=state, background=False)) as client:
        _sign_in(client, keys.admin)
        assert client.get(f"/app/customers/{victim}").status_code == 200
        assert state.tables.prediction(victim) is not None  # the API's copy of the table
        assert victim in client.get(f"/app/customers?q={victim[-7:]}").text
        hooks = bootstrap.privacy_hooks(settings, state.store)
        forget_customer(state.store, state.catalog, hooks, TokenKeys(settings), victim, "t")
        assert client.get(f"/app/customers/{victim}").status_code == 404
        assert state.tables.prediction(victim) is None and state.tables.segment(victim) is None
        assert victim not in client.get(f"/app/customers?q={victim[-7:]}").text
        assert client.get(f"/app/customers/{victim}/audit").text.count("<tr>") == 0
        assert client.get(f"/app/customers/{other}").status_code == 200


def test_tables_too_large_to_copy_are_queried_through_the_catalog(
    state, keys, world, monkeypatch
) -> None:
    from engage.serving import points

    monkeypatch.setattr(points, "_tables", {})
    monkeypatch.setattr(points, "MAX_ROWS", 0)
    customer = sorted(world.predictions)[5]
    with TestClient(create_app(state=state, background=False)) as client:
        _sign_in(client, keys.reader)
        page = client.get(f"/app/customers/{customer}")
        hints = client.get(f"/app/customers/{customer}/hints")
        missing = client.get("/app/customers/CUST_9999999")
    assert page.status_code == 200 and customer in page.text and "<svg" in page.text
    assert hints.status_code == 200 and "engagement" in hints.text
    assert missing.status_code == 404
    assert {copy for _, copy in points._tables.values()} == {None}  # nothing was copied

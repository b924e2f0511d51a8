"""`engage serve` before the first run: it starts, answers 503 "no run yet", then serves it."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from engage.api.app import create_app
from engage.api.state import build_state
from engage.cli import app

runner = CliRunner()


def test_an_empty_lake_answers_503_until_a_run_is_published(world, keys, tmp_path) -> None:
    empty = tmp_path / "lake"
    state = build_state(world.settings(tmp_path, lake=str(empty)))
    assert not state.holder.ready
    customer = next(iter(world.predictions))
    with TestClient(create_app(state=state, background=False)) as client:
        health = client.get("/health").json()
        assert health["status"] == "no run yet" and health["model_version"] is None
        assert client.get("/ready").status_code == 503
        answer = client.get(f"/customers/{customer}", headers=keys.h())
        assert answer.status_code == 503 and "no run yet" in answer.json()["detail"]
        assert answer.headers["Retry-After"]

        shutil.rmtree(empty, ignore_errors=True)
        shutil.copytree(world.lake, empty)  # a run is published while the server is up
        assert state.holder.check()  # what the background reload does every few seconds
        assert client.get("/ready").status_code == 200
        assert client.get(f"/customers/{customer}", headers=keys.h()).status_code == 200


def test_serve_help_lists_the_routes() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "/predict" in result.output

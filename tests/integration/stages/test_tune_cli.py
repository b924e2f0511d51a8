"""`engage tune` on the tiny prepared lake: a study saved, promotion only above the margin."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from engage.cli import app
from engage.models.tuned import read_tuned, tuning_prefix


def _tune(lake: str, *args: str) -> dict:
    env = {"ENGAGE_LAKE": lake, "ENGAGE_MODEL_THREADS": "1"}
    cmd = ["tune", "engagement", "--trials", "4", "--budget-s", "30", "--rows", "300", "--json"]
    result = CliRunner().invoke(app, [*cmd, *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_tune_saves_the_study_and_promotes_only_above_the_margin(prepared_services) -> None:
    store, lake = prepared_services.store, str(prepared_services.settings.lake)
    held = _tune(lake, "--margin", "10")  # +1000% is out of reach: nothing promoted
    assert not held["promoted"] and read_tuned(store, "engagement") is None
    assert held["data"].startswith("training split only")
    assert any(k.endswith(".json") for k in store.list(tuning_prefix("engagement")))
    taken = _tune(lake, "--margin", "-1")  # any score clears -100%: promoted
    assert taken["promoted"]
    assert read_tuned(store, "engagement")["params"] == taken["best"]["xgboost"]["params"]


def test_tune_without_a_run_says_what_to_do(tmp_path) -> None:
    result = CliRunner().invoke(app, ["tune", "churn"], env={"ENGAGE_LAKE": str(tmp_path)})
    assert result.exit_code == 2 and "engage run" in result.output

"""`engage run`, `engage runs`, `engage models` through the CLI, on a tiny dataset."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
from typer.testing import CliRunner

from engage.cli import app

runner = CliRunner()


def test_run_then_inspect_history_and_models(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["run", "--rows", "1500", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Pipeline succeeded" in result.output
    for model in ("engagement", "churn", "ltv", "recommendation", "anomaly"):
        assert re.search(rf"│ {model} +│ v1 +│ v1 ", result.output), model
    assert re.search(r"r2 -?0\.\d+; vs gbm_defaults -?0\.\d+ \([+-]0\.\d+\);", result.output)
    assert re.search(r"x ceiling 0\.\d+", result.output)
    run_id = re.search(r"run_\d{8}T\d{6}Z_[0-9a-f]{6}", result.output).group(0)

    listing = runner.invoke(app, ["runs"])
    assert listing.exit_code == 0 and run_id in listing.output and "SUCCEEDED" in listing.output
    shown = runner.invoke(app, ["runs", "show", run_id])
    assert shown.exit_code == 0 and "RecommendationModel" in shown.output
    assert runner.invoke(app, ["runs", "show", "run_nope"]).exit_code == 1

    models = runner.invoke(app, ["models"])
    assert models.exit_code == 0 and "engagement" in models.output and "v1" in models.output
    assert "Vs baseline" in models.output and "Vs ceiling" in models.output
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).output)
    graded = {m["model"]: m["grading"] for m in listed}
    assert graded["engagement"]["baseline"] == "gbm_defaults"
    assert graded["engagement"]["vs_ceiling"] is not None
    assert graded["recommendation"]["baseline"] in ("popularity", "category_popularity")
    assert graded["anomaly"]["ceiling"] == 1.0
    shown = json.loads(runner.invoke(app, ["models", "show", "churn"]).output)
    assert shown["vs"]["summary"].startswith("auc_roc")
    assert runner.invoke(app, ["models", "promote", "engagement", "v9"]).exit_code == 1

    # Broken input: exit 1, the failing stage and the column are named.
    customers = tmp_path / "data" / "customers.parquet"
    pq.write_table(pq.read_table(customers).drop_columns(["trust_score"]), customers)
    failed = runner.invoke(app, ["run"])
    assert failed.exit_code == 1
    assert "DataPreparation" in failed.output and "trust_score" in failed.output

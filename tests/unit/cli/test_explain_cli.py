"""`engage explain`: a tiny DuckDB catalog, models fitted in memory through the loader seam."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from engage import bootstrap
from engage.adapters.store import LocalObjectStore
from engage.cli import explain as explain_cli
from engage.contract import MODEL_INPUTS
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from engage.models.counterfactual import counterfactual_hints, engagement_goal
from engage.models.engagement import EngagementModel
from engage.models.explain import shap_values, top_features
from engage.settings import Settings

runner = CliRunner()
ENV = {"COLUMNS": "220", "ENGAGE_LAKE": None, "ENGAGE_CATALOG_PATH": None}


class ToyChurn:
    """A churn 'model' whose probability rises with days since the last login."""

    threshold_ = 0.5

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.clip(frame["days_since_last_login"].to_numpy(dtype=float) / 30.0, 0.0, 1.0)


def customers(rows: int, seed: int) -> pd.DataFrame:
    spec = ChunkSpec(seed, 0, 1, rows, 7, AS_OF, build_catalogue(stream(seed, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A lake with predictions + inference_input for 800 customers, and the models."""
    frame = customers(800, 11)
    model = EngagementModel(max_depth=3, learning_rate=0.3, n_estimators=40)
    model.fit(frame, frame["engagement_score"].to_numpy())
    scores = model.predict(frame)
    names = model.spec.feature_names()
    contrib = shap_values(model.booster_, model.spec.matrix(frame), names, (0, 0))
    churn = ToyChurn().predict_proba(frame)
    n = len(frame)
    predictions = pa.table(
        {
            "customer_id": frame["customer_id"],
            "predicted_engagement_score": scores.astype(np.float64),
            "engagement_category": np.where(scores >= 0.7, "high", "low"),
            "engagement_top_features": top_features(contrib),
            "churn_probability": churn,
            "churn_prediction": churn >= ToyChurn.threshold_,
            "churn_top_features": top_features(contrib),
            "recommended_items": pa.array([["ITEM_001", "ITEM_002"]] * n, pa.list_(pa.string())),
            "engagement_model_version": ["v1"] * n,
            "churn_model_version": ["v1"] * n,
            "prediction_timestamp": [dt.datetime(2026, 10, 31, 12)] * n,
            "run_id": ["run_test"] * n,
        }
    )
    lake = tmp_path_factory.mktemp("explain") / "lake"
    store = LocalObjectStore(lake)
    store.write_parquet("t/predictions/part.parquet", predictions)
    inputs = pa.Table.from_pandas(frame[["customer_id", *MODEL_INPUTS]], preserve_index=False)
    store.write_parquet("t/inputs/part.parquet", inputs)
    engine = bootstrap.sql_engine(Settings(lake=str(lake)))
    engine.register_parquet(explain_cli.PREDICTIONS, "t/predictions/")
    engine.register_parquet(explain_cli.INPUTS, "t/inputs/")
    engine.close()
    return {"lake": lake, "frame": frame, "model": model, "predictions": predictions}


@pytest.fixture
def app(world: dict, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    loaded = {"engagement": ("v1", world["model"]), "churn": ("v1", ToyChurn())}
    monkeypatch.setattr(explain_cli, "model_loader", lambda store, name: loaded[name])
    app = typer.Typer()
    explain_cli.register(app)

    @app.callback()
    def _root() -> None:  # keeps `explain` a named sub-command, as in the real app
        """engage"""

    return app


def _low_engagement_customer(world: dict) -> int:
    scores = world["predictions"].column("predicted_engagement_score").to_numpy()
    return int(np.flatnonzero((scores > 0.3) & (scores < 0.5))[0])


def test_prints_predictions_top_features_values_and_hints(app: typer.Typer, world: dict) -> None:
    i = _low_engagement_customer(world)
    row = world["frame"].iloc[[i]]
    cid = row["customer_id"].iloc[0]
    args = ["explain", cid, "--model", "engagement", "--lake", str(world["lake"])]
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert cid in result.output and "predicted_engagement_score" in result.output
    stored = world["predictions"].column("engagement_top_features")[i].as_py()
    for item in stored:
        assert item["feature"] in result.output
        assert f"{item['impact']:+.4f}" in result.output
    top = stored[0]["feature"]
    if top in row.columns and pd.api.types.is_numeric_dtype(row[top]):
        assert f"{float(row[top].iloc[0]):.6g}" in result.output
    assert "churn_top_features" not in result.output  # explanations are shown per model only
    # The hints shown are the library's hints for this customer, against the served model.
    expected = counterfactual_hints(
        world["model"].predict, row.reset_index(drop=True), _reference(world), engagement_goal()
    )
    assert expected, "a 0.3-0.5 customer should have some move that helps"
    assert "Reaches goal" in result.output
    for hint in expected:
        assert hint.feature in result.output and f"{hint.predicted_after:.4f}" in result.output


def _reference(world: dict) -> pd.DataFrame:
    """The same sample the CLI reads: every customer (fewer than REFERENCE_ROWS)."""
    return world["frame"][["customer_id", *MODEL_INPUTS]]


def test_churn_only_shows_churn_hints_below_the_threshold(app: typer.Typer, world: dict) -> None:
    frame = world["frame"]
    cid = frame.loc[frame["days_since_last_login"] >= 20, "customer_id"].iloc[0]
    args = ["explain", cid, "-m", "churn", "--lake", str(world["lake"])]
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert "churn probability < 0.5" in result.output
    assert "days_since_last_login" in result.output and "yes" in result.output
    assert "engagement: top features" not in result.output
    custom = runner.invoke(app, [*args, "--churn-target", "0.2"], env=ENV)
    assert custom.exit_code == 0 and "churn probability < 0.2" in custom.output


def test_unknown_customer_exits_1_naming_the_id(app: typer.Typer, world: dict) -> None:
    result = runner.invoke(app, ["explain", "CUST_9999999", "--lake", str(world["lake"])], env=ENV)
    assert result.exit_code == 1
    assert "CUST_9999999" in result.output and "not found" in result.output


def test_without_a_run_it_says_to_run_the_pipeline(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["explain", "CUST_1", "--lake", str(tmp_path / "nolake")], env=ENV)
    assert result.exit_code == 1 and "engage run" in result.output
    empty = tmp_path / "empty"
    bootstrap.sql_engine(Settings(lake=str(empty))).close()  # a catalog without predictions
    result = runner.invoke(app, ["explain", "CUST_1", "--lake", str(empty)], env=ENV)
    assert result.exit_code == 1 and "engage run" in result.output


def test_a_missing_model_only_skips_the_hints(
    app: typer.Typer, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model(store: object, name: str) -> tuple[str, object]:
        raise LookupError(f"no served {name} model")

    monkeypatch.setattr(explain_cli, "model_loader", no_model)
    cid = world["frame"]["customer_id"].iloc[0]
    result = runner.invoke(app, ["explain", cid, "--lake", str(world["lake"])], env=ENV)
    assert result.exit_code == 0, result.output
    assert "hints unavailable: no served engagement model" in result.output
    assert "hints unavailable: no served churn model" in result.output


def test_explain_is_registered_in_the_engage_app() -> None:
    from engage.cli import app as engage_app

    result = runner.invoke(engage_app, ["explain", "--help"], env=ENV)
    assert result.exit_code == 0 and "--model" in result.output

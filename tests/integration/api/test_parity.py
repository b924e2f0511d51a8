"""Cached and live predictions equal the batch pipeline's for the same inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engage import bootstrap
from engage.api import records
from engage.api.app import create_app
from engage.api.forest import PackedForest
from engage.api.scoring import RecommendScorer, RowEncoder
from engage.api.state import build_state
from engage.api.warm import batch_json
from engage.serving import load_served

BATCH_TO_LIVE = {
    "predicted_engagement_score": "engagement_score",
    "churn_probability": "churn_probability",
    "ltv_p10": "ltv_p10",
    "ltv_p50": "ltv_p50",
    "ltv_p90": "ltv_p90",
    "anomaly_score": "anomaly_score",
    "value_at_risk_usd": "value_at_risk_usd",
}
SAME = ("engagement_category", "churn_prediction", "intervention_flag", "anomaly_flag",
        "recommended_items", "recommended_categories")  # fmt: skip


def assert_matches_batch(
    prediction: dict, explanations: dict, row: dict, live: bool = True
) -> None:
    for batch_name, live_name in BATCH_TO_LIVE.items():
        assert prediction[live_name] == pytest.approx(row[batch_name], rel=1e-12, abs=1e-12), (
            live_name
        )
    for name in SAME:
        assert prediction[name] == row[name], name
    # A live request carries no bandit context (time of day, last action): it answers the
    # rule, which the batch keeps as next_best_action_rule (issue 18 item 2).
    action = "next_best_action_rule" if live else "next_best_action"
    assert prediction["next_best_action"] == row[action]
    assert explanations["engagement"] == row["engagement_top_features"]
    assert explanations["churn"] == row["churn_top_features"]


def test_live_inference_on_batch_inputs_reproduces_every_batch_row(world, state) -> None:
    """All 1,500 customers through the live scorers: equal to their batch rows."""
    served = state.holder.current
    for customer_id, inputs in world.inputs.items():
        live = served.predict(customer_id, inputs)
        assert live["skipped"] == {}
        assert_matches_batch(
            live["prediction"], live["explanations"], world.predictions[customer_id]
        )


def test_live_api_answers_equal_the_batch_rows(world, client, keys) -> None:
    for customer_id in list(world.inputs)[:40]:
        body = {"customer_id": customer_id, "features": world.inputs[customer_id]}
        answer = client.post("/predict", json=body, headers=keys.h()).json()
        assert answer["source"] == "live"
        assert_matches_batch(
            answer["prediction"], answer["explanations"], world.predictions[customer_id]
        )


def test_the_cache_the_pipeline_warmed_serves_the_batch_rows(world, keys, tmp_path) -> None:
    """Default settings: the lake's own cache, loaded by the ensemble step."""
    settings = world.settings(tmp_path, cache_path=None)
    with TestClient(create_app(state=build_state(settings), background=False)) as c:
        for customer_id in list(world.predictions)[:40]:
            answer = c.post("/predict", json={"customer_id": customer_id}, headers=keys.h()).json()
            assert answer["cache"] == "hit" and answer["source"] == "batch"
            assert answer["run_id"] == world.run_id
            assert_matches_batch(
                answer["prediction"], answer["explanations"], world.predictions[customer_id],
                live=False,
            )  # fmt: skip


def test_bulk_json_equals_the_per_row_record(world) -> None:
    """The DuckDB-built cache values (ensemble) equal `records.batch_record` (fallback)."""
    import orjson
    import pyarrow as pa

    table = pa.Table.from_pylist(list(world.predictions.values()))
    for row in batch_json(table).to_pylist():
        expected = records.batch_record(world.predictions[row["customer_id"]])
        assert orjson.loads(row["value"]) == expected
        assert row["tag"] == expected["model_version"]


def test_row_encoder_and_packed_forest_equal_the_library_code(world) -> None:
    store = bootstrap.object_store(world.settings(world.lake))
    _, engagement = load_served(store, "engagement")
    _, detector = load_served(store, "anomaly")
    frame = pd.DataFrame([world.inputs[c] for c in list(world.inputs)[:300]])
    encoder = RowEncoder(engagement.spec)
    expected = engagement.spec.matrix(frame)
    rows = np.vstack([encoder.encode(r) for r in frame.to_dict("records")])
    np.testing.assert_array_equal(rows, expected)
    forest = PackedForest(detector.forest_)
    x = detector._matrix(frame)
    raw = np.array([forest.raw_score(r) for r in x])
    np.testing.assert_array_equal(raw, -detector.forest_.score_samples(x))


def test_scored_recommendations_equal_the_batch_lists(world) -> None:
    """Without the batch's lists, the recommender's own ranking gives the same top 10."""
    store = bootstrap.object_store(world.settings(world.lake))
    _, model = load_served(store, "recommendation")
    scorer = RecommendScorer(model, batch=None)
    for customer_id in list(world.predictions)[:100]:
        row = world.predictions[customer_id]
        got = scorer.score(customer_id)
        assert got["recommended_items"] == row["recommended_items"]
        assert got["recommended_categories"] == row["recommended_categories"]
    cold = scorer.score("NEVER_SEEN")
    assert len(cold["recommended_items"]) == 10 and len(set(cold["recommended_categories"])) >= 3

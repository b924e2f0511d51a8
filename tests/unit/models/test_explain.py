"""TreeSHAP explanations: additivity, one-hot grouping, top-k shape and order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from engage.models.engagement import EngagementModel
from engage.models.explain import global_importance, grouping, shap_values, top_features


@pytest.fixture(scope="module")
def fitted(small_dataset) -> tuple[EngagementModel, pd.DataFrame]:
    frame = pq.read_table(small_dataset / "customers.parquet").to_pandas().iloc[:4000]
    model = EngagementModel(max_depth=4, learning_rate=0.3, n_estimators=60)
    return model.fit(frame, frame["engagement_score"].to_numpy()), frame


def test_grouping_sums_one_hot_columns_into_their_source() -> None:
    sources, membership = grouping(["age", "gender=F", "gender=M", "x_y"])
    assert sources == ["age", "gender", "x_y"]
    assert membership.sum(axis=0).tolist() == [1, 2, 1]


def test_shap_is_additive_and_grouped(fitted) -> None:
    model, frame = fitted
    matrix = model.spec.matrix(frame)
    iterations = (0, model.best_iteration_ + 1)
    contrib = shap_values(model.booster_, matrix, model.spec.feature_names(), iterations, 1500)
    raw = model.booster_.inplace_predict(matrix, iteration_range=iterations)
    np.testing.assert_allclose(contrib.raw_prediction(), raw, atol=1e-4)
    assert "location" in contrib.features
    assert not any("=" in name for name in contrib.features)


def test_top_features_are_the_largest_by_magnitude(fitted) -> None:
    model, frame = fitted
    matrix = model.spec.matrix(frame.iloc[:50])
    contrib = shap_values(model.booster_, matrix, model.spec.feature_names())
    rows = top_features(contrib, k=5).to_pylist()
    assert len(rows) == 50 and all(len(r) == 5 for r in rows)
    first = contrib.values[0]
    expected = sorted(np.abs(first), reverse=True)[:5]
    assert [abs(item["impact"]) for item in rows[0]] == pytest.approx(expected, abs=1e-6)
    importance = list(global_importance(contrib).values())
    assert importance == sorted(importance, reverse=True)

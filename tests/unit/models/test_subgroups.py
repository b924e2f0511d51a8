"""Subgroup metrics: gender, age band and top locations, for regression and classification."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score

from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from engage.models.cards import render_card
from engage.models.subgroups import (
    OTHER,
    UNKNOWN,
    classification_scores,
    regression_scores,
    subgroup_metrics,
)

AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55+"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    spec = ChunkSpec(9, 0, 1, 3_000, 7, AS_OF, build_catalogue(stream(9, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def noisy_prediction(frame: pd.DataFrame) -> np.ndarray:
    rng = np.random.default_rng(0)
    return frame["engagement_score"].to_numpy() + rng.normal(0, 0.05, len(frame))


def test_regression_metrics_per_group_match_a_direct_computation(
    frame: pd.DataFrame, noisy_prediction: np.ndarray
) -> None:
    y = frame["engagement_score"].to_numpy()
    result = subgroup_metrics(frame, y, noisy_prediction, regression_scores)
    assert list(result) == ["gender", "age_band", "location"]
    assert list(result["gender"]) == ["F", "M", "Other"]
    assert [b for b in AGE_BANDS if b in result["age_band"]] == list(result["age_band"])
    for groups in result.values():
        assert sum(g["rows"] for g in groups.values()) == len(frame)
    female = (frame["gender"] == "F").to_numpy()
    assert result["gender"]["F"]["rows"] == female.sum()
    assert result["gender"]["F"]["r2"] == pytest.approx(
        r2_score(y[female], noisy_prediction[female])
    )
    assert result["gender"]["F"]["mae"] == pytest.approx(
        mean_absolute_error(y[female], noisy_prediction[female])
    )
    band = ((frame["age"] >= 25) & (frame["age"] <= 34)).to_numpy()
    assert result["age_band"]["25-34"]["rows"] == band.sum()


def test_locations_keep_the_ten_largest_and_lump_the_rest(
    frame: pd.DataFrame, noisy_prediction: np.ndarray
) -> None:
    y = frame["engagement_score"].to_numpy()
    locations = subgroup_metrics(frame, y, noisy_prediction, regression_scores)["location"]
    counts = frame["location"].value_counts()
    assert list(locations)[-1] == OTHER and len(locations) == 11
    assert set(list(locations)[:10]) == set(counts.index[:10])
    assert locations[OTHER]["rows"] == counts.iloc[10:].sum()
    few = frame[frame["location"].isin(["CA", "TX"])].reset_index(drop=True)
    few_y = few["engagement_score"].to_numpy()
    assert list(subgroup_metrics(few, few_y, few_y, regression_scores)["location"]) == ["CA", "TX"]


def test_small_groups_report_only_their_size(frame: pd.DataFrame, noisy_prediction) -> None:
    y = frame["engagement_score"].to_numpy()
    result = subgroup_metrics(frame, y, noisy_prediction, regression_scores, min_rows=500)
    small = [g for g in result["location"].values() if g["rows"] < 500]
    assert small and all(set(g) == {"rows"} for g in small)
    big = [g for g in result["location"].values() if g["rows"] >= 500]
    assert big and all({"rows", "r2", "mae"} == set(g) for g in big)
    card = render_card({"model_name": "m", "model_version": "v1", "subgroup_metrics": result})
    assert "—: too few rows" in card


def test_classification_auc_and_recall_at_threshold(frame: pd.DataFrame) -> None:
    y = frame["churn_30_day"].to_numpy()
    proba = frame["churn_risk_score"].to_numpy()
    result = subgroup_metrics(frame, y, proba, classification_scores(0.3))
    male = (frame["gender"] == "M").to_numpy()
    entry = result["gender"]["M"]
    assert entry["auc"] == pytest.approx(roc_auc_score(y[male], proba[male]))
    assert entry["recall"] == pytest.approx((proba[male & y] >= 0.3).mean())
    no_positives = classification_scores(0.5)(np.zeros(40, bool), np.linspace(0, 1, 40))
    assert math.isnan(no_positives["auc"]) and math.isnan(no_positives["recall"])


def test_custom_groups_unknown_labels_and_length_check(frame: pd.DataFrame) -> None:
    y = frame["engagement_score"].to_numpy()
    odd = frame.assign(age=np.where(np.arange(len(frame)) < 40, 16, frame["age"]))
    result = subgroup_metrics(odd, y, y, regression_scores)
    assert result["age_band"][UNKNOWN]["rows"] == 40
    assert result["age_band"][UNKNOWN]["r2"] == pytest.approx(1.0)
    groups = {"tier": lambda f: f["account_type"]}
    assert list(subgroup_metrics(frame, y, y, regression_scores, groups)) == ["tier"]
    with pytest.raises(ValueError, match="differ in length"):
        subgroup_metrics(frame, y[:-1], y, regression_scores)

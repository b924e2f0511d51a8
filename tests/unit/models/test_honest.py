"""Honest grading: a choice handed test-split data fails (issue 17 item 2)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from engage.models import baselines, churn, engagement, ltv
from engage.models.anomaly import AnomalyDetector
from engage.models.honest import TestDataInChoiceError, mark_test, refuse_test
from engage.models.recommend import NcfRecommender, PopularityRecommender
from engage.models.recommend_eval import leave_one_out_split


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})


def test_refuse_test_raises_on_marked_frames_only() -> None:
    frame = _frame()
    refuse_test(frame, frame["a"])
    mark_test(frame)
    with pytest.raises(TestDataInChoiceError, match="validation split"):
        refuse_test(frame)
    with pytest.raises(TestDataInChoiceError):
        refuse_test(frame["a"])  # a column of the test split is test data too


@pytest.mark.parametrize(
    "fit",
    [
        lambda f: engagement.EngagementModel().fit(f, f["a"]),
        lambda f: churn.ChurnModel().fit(f, f["a"] > 0),
        lambda f: ltv.LtvModel().fit(f, f["a"].abs()),
        lambda f: AnomalyDetector().fit(f),
        lambda f: churn.choose_recall_confidence(f["a"] > 0, f["b"]),
    ],
    ids=["engagement", "churn", "ltv", "anomaly", "recall_confidence"],
)
def test_every_choice_refuses_the_test_split(fit) -> None:
    with pytest.raises(TestDataInChoiceError):
        fit(mark_test(_frame()))


def test_recommenders_refuse_the_leave_one_out_test_rows() -> None:
    ts = pd.Timestamp("2026-01-01", tz="UTC")
    interactions = pd.DataFrame(
        {
            "customer_id": ["CUST_1", "CUST_1", "CUST_2", "CUST_2"],
            "item_id": ["ITEM_00001", "ITEM_00002", "ITEM_00001", "ITEM_00003"],
            "event_ts": [ts, ts + pd.Timedelta(1, "D"), ts, ts + pd.Timedelta(2, "D")],
        }
    )
    items = pd.DataFrame(
        {"item_id": ["ITEM_00001", "ITEM_00002", "ITEM_00003"], "category": ["a", "b", "c"]}
    )
    train, heldout = leave_one_out_split(interactions)
    PopularityRecommender().fit(train, items)
    for model in (PopularityRecommender(), NcfRecommender(epochs=1)):
        with pytest.raises(TestDataInChoiceError):
            model.fit(heldout, items)


def test_choosers_take_only_validation_arguments() -> None:
    # The signature is the contract: nothing named like a test split can be passed in.
    for chooser in (churn.choose_threshold, churn.choose_recall_confidence):
        assert not [p for p in inspect.signature(chooser).parameters if "test" in p]
    for fit in (baselines.gbm_default_regressor, baselines.gbm_default_classifier):
        assert list(inspect.signature(fit).parameters)[:2] == ["x_train", "y_train"]


def test_recall_confidence_is_chosen_on_validation() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(4000)
    y = rng.random(4000) < p
    level = churn.choose_recall_confidence(y, p, 0.8, seed=0)
    assert level in churn.CONFIDENCE_GRID
    t = churn.choose_threshold(y, p, 0.8, level)
    assert np.mean(p[y] >= t) >= 0.8

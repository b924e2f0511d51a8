"""AnomalyDetector on the shared 20K fixture (seed 7, 100 injected bots/fake sellers)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from engage.contract import CUSTOMERS, TARGETS, Protection, Role
from engage.models.anomaly import (
    BEHAVIOURAL,
    FOREST_KEY,
    META_KEY,
    REVIEW_THRESHOLD,
    AnomalyDetector,
    UnsafeArtefactError,
    anomaly_report,
)
from engage.models.params import params_for


@pytest.fixture(scope="module")
def customers(small_dataset: Path) -> pd.DataFrame:
    return pd.read_parquet(small_dataset / "customers.parquet")


@pytest.fixture(scope="module")
def truth(small_dataset: Path, customers: pd.DataFrame) -> np.ndarray:
    gt = pd.read_parquet(
        small_dataset / "ground_truth.parquet", columns=["customer_id", "is_anomaly"]
    )
    aligned = gt.set_index("customer_id").loc[customers["customer_id"], "is_anomaly"]
    return aligned.to_numpy(dtype=bool)


@pytest.fixture(scope="module")
def model(customers: pd.DataFrame) -> AnomalyDetector:
    # What the pipeline trains (params.toml), so the quality bounds grade the real thing.
    return AnomalyDetector(**params_for("anomaly"), random_state=42).fit(customers)


@pytest.fixture(scope="module")
def artefacts(model: AnomalyDetector) -> dict[str, bytes]:
    return model.to_bytes()


@pytest.fixture(scope="module")
def scores(model: AnomalyDetector, customers: pd.DataFrame) -> np.ndarray:
    return model.score(customers)


def test_features_are_behavioural_only() -> None:
    excluded = {"customer_id", "age", "gender", "location", "churn_risk_score", *TARGETS}
    assert not excluded & set(BEHAVIOURAL)
    for name in BEHAVIOURAL:
        col = CUSTOMERS.column(name)
        assert col.role is Role.FEATURE and col.protection is Protection.NONE
        assert not col.is_categorical
    with pytest.raises(ValueError, match="age"):
        AnomalyDetector(columns=(*BEHAVIOURAL, "age"))


def test_scores_in_unit_interval(scores: np.ndarray, customers: pd.DataFrame) -> None:
    assert scores.shape == (len(customers),)
    assert np.isfinite(scores).all()
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert scores.max() == 1.0  # the most anomalous training customer


def test_flag_is_contamination_tail(
    model: AnomalyDetector, customers: pd.DataFrame, scores: np.ndarray
) -> None:
    flags = model.flag(customers)
    np.testing.assert_array_equal(flags, scores > REVIEW_THRESHOLD)
    # Calibrated on this very frame: exactly `contamination` (1%) of it is over 0.9.
    assert flags.sum() == round(model.contamination * len(customers))
    # Score is a monotone map of the forest's raw score.
    raw = model.raw_score(customers)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)


def test_detection_quality(truth: np.ndarray, scores: np.ndarray) -> None:
    # 100 anomalies among 20K, so precision@100 is also recall@100. Since issue 17 the
    # injected kinds overlap organic behaviour column by column (the best single-column
    # rule reaches about 0.33 here), so the forest is far from perfect: measured 0.37
    # precision@100, 0.48 recall in the top 1%, AUC 0.94 (seed 7, random_state 42; 0.26,
    # 0.34 without the deviation features). The bounds catch a detector that loses them.
    report = anomaly_report(truth, scores)
    assert report["anomalies"] == 100
    assert report["precision_at_100"] >= 0.3
    assert report["recall_at_top_share"] >= 0.4
    assert report["roc_auc"] >= 0.9


def test_deviation_features_are_off_for_old_artefacts(customers: pd.DataFrame) -> None:
    part = customers.iloc[:3000]
    plain = AnomalyDetector(n_estimators=20).fit(part)
    meta = json.loads(plain.to_bytes()[META_KEY])
    del meta["params"]["deviation_features"]  # a version saved before the option existed
    old = {FOREST_KEY: plain.to_bytes()[FOREST_KEY], META_KEY: json.dumps(meta).encode()}
    np.testing.assert_array_equal(AnomalyDetector.from_bytes(old).score(part), plain.score(part))


def test_deterministic_with_random_state(customers: pd.DataFrame) -> None:
    part = customers.iloc[:4000]
    a = AnomalyDetector(random_state=3, n_estimators=30).fit(part).score(part)
    b = AnomalyDetector(random_state=3, n_estimators=30).fit(part).score(part)
    c = AnomalyDetector(random_state=4, n_estimators=30).fit(part).score(part)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_invariant_to_row_order_and_customer_id(
    model: AnomalyDetector, customers: pd.DataFrame, scores: np.ndarray
) -> None:
    perm = np.random.default_rng(0).permutation(len(customers))
    shuffled = customers.iloc[perm].reset_index(drop=True)
    shuffled["customer_id"] = [f"CUST_X{i:07d}" for i in range(len(shuffled))]
    np.testing.assert_array_equal(model.score(shuffled), scores[perm])


def test_round_trip_gives_identical_scores(
    model: AnomalyDetector,
    artefacts: dict[str, bytes],
    customers: pd.DataFrame,
    scores: np.ndarray,
) -> None:
    assert set(artefacts) == {FOREST_KEY, META_KEY}
    assert all(isinstance(v, bytes) for v in artefacts.values())
    loaded = AnomalyDetector.from_bytes(artefacts)
    np.testing.assert_array_equal(loaded.score(customers), scores)
    assert loaded.to_params() == model.to_params()
    part = customers.iloc[:2000]
    pd.testing.assert_frame_equal(loaded.top_report(part, n=10), model.top_report(part, n=10))


def test_tampered_artefact_is_refused(artefacts: dict[str, bytes]) -> None:
    forest = sio.loads(artefacts[FOREST_KEY], trusted=["sklearn.tree._tree.Tree"])
    forest.payload = os.system  # a callable smuggled into the artefact
    tampered = {**artefacts, FOREST_KEY: sio.dumps(forest)}
    with pytest.raises(UnsafeArtefactError, match="system"):
        AnomalyDetector.from_bytes(tampered)
    # A trusted object of the wrong kind is refused too.
    with pytest.raises(UnsafeArtefactError, match="IsolationForest"):
        AnomalyDetector.from_bytes({**artefacts, FOREST_KEY: sio.dumps({"a": 1})})


def test_top_report(model: AnomalyDetector, customers: pd.DataFrame, scores: np.ndarray) -> None:
    report = model.top_report(customers, n=100)
    assert len(report) == 100
    assert report["rank"].tolist() == list(range(1, 101))
    assert report["customer_id"].is_unique
    assert np.all(np.diff(report["anomaly_score"].to_numpy()) <= 0)
    # The report is the top 100 by score, with the scores score() gives.
    by_id = pd.Series(scores, index=customers["customer_id"])
    np.testing.assert_allclose(report["anomaly_score"], by_id[report["customer_id"]].to_numpy())
    assert report["anomaly_score"].min() >= np.sort(scores)[-100]
    names = set(model.feature_names())
    z = np.abs(report[["reason_1_z", "reason_2_z", "reason_3_z"]].to_numpy())
    for k in (1, 2, 3):
        assert set(report[f"reason_{k}"]) <= names
    assert np.all(z[:, 0] >= z[:, 1]) and np.all(z[:, 1] >= z[:, 2])
    assert np.all(report["reason_1"] != report["reason_2"])
    assert report["flagged"].all()  # top 100 of 20K sit inside the 1% review tail


def test_missing_column_is_named(model: AnomalyDetector, customers: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="trust_score"):
        model.score(customers.drop(columns=["trust_score"]))


def test_anomaly_report_hand_computed() -> None:
    truth = np.array([True, False, True, False, False, False, False, False, False, True])
    scores = np.array([0.99, 0.95, 0.5, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8])
    r = anomaly_report(truth, scores, top_n=2, top_share=0.3)
    assert r["precision_at_2"] == 0.5  # 0.99 (hit), 0.95 (miss)
    assert r["recall_at_top_share"] == pytest.approx(2 / 3)  # top 3: 0.99, 0.95, 0.8
    assert r["flagged"] == 2 and r["flag_precision"] == 0.5
    assert r["flag_recall"] == pytest.approx(1 / 3)
    # 3 positives x 7 negatives: 0.99 beats 7, 0.8 beats 6, 0.5 beats 4 -> 17/21.
    assert r["roc_auc"] == pytest.approx(17 / 21)

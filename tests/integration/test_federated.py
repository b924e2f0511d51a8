"""FedAvg over ~150 non-IID simulated devices lands within 0.01 AUC of central training.

Generated customers (the generator's churn target), a few thousand rows: small enough
for CI, large enough that the test split's AUC is not noise-dominated.
"""

from __future__ import annotations

import pandas as pd
import pytest

from engage.analytics.federated import experiment
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream


def _customers(rows: int, seed: int) -> pd.DataFrame:
    spec = ChunkSpec(seed, 0, 1, rows, 7, AS_OF, build_catalogue(stream(seed, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def report() -> dict:
    params = experiment.ExperimentParams(dp_epsilons=(8.0,))
    return experiment.run(_customers(4000, 31), _customers(1500, 32), params)


def test_fedavg_is_within_the_target_gap_of_central(report: dict) -> None:
    arms = report["arms"]
    assert report["shards"]["devices"] >= 50
    assert arms["central"]["test_auc"] > 0.75  # the model learns something to compare
    for name in ("fedavg", "fedavg_secure"):
        assert abs(arms[name]["auc_gap"]) <= experiment.AUC_TARGET_GAP, name
        assert arms[name]["within_target"] is True


def test_secure_aggregation_changes_the_bytes_not_the_model(report: dict) -> None:
    plain, secured = report["arms"]["fedavg"], report["arms"]["fedavg_secure"]
    assert secured["test_auc"] == pytest.approx(plain["test_auc"], abs=1e-4)
    assert secured["bytes_up_per_device_round"] == 2 * plain["bytes_up_per_device_round"]


def test_the_dp_arm_reports_the_epsilon_it_was_calibrated_to(report: dict) -> None:
    dp = report["arms"]["fedavg_secure_dp_eps8"]["dp"]
    assert 7.5 < dp["epsilon"] <= 8.0
    assert dp["noise_multiplier"] > 0 and dp["delta"] == 1e-5


def test_the_markdown_names_every_arm(report: dict) -> None:
    page = experiment.markdown(report)
    assert all(f"| {name} |" in page for name in report["arms"])

"""Tables written outside `engage run` become queryable: federated results, per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage import bootstrap, lake
from engage.analytics.federated import publish
from engage.cli.registration import register_published
from engage.lake import TableName
from engage.settings import Settings


def _report(auc: float) -> dict:
    arm = {"test_auc": auc, "auc_gap": 0.0, "within_target": True, "rounds": 10,
           "secure": False, "dp": None}  # fmt: skip
    return {"arms": {"central": arm}, "shards": {"devices": 60}, "train_rows": 800,
            "test_rows": 200}  # fmt: skip


def test_every_runs_federated_results_are_one_catalog_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENGAGE_LAKE", raising=False)
    settings = Settings(lake=str(tmp_path / "lake"))
    store = bootstrap.object_store(settings)
    for run_id, auc in (("run_a", 0.81), ("run_b", 0.83)):
        table = publish.results_table(_report(auc), run_id)
        store.write_parquet(publish.results_key(run_id), table)  # what `save` writes
    assert register_published(settings, TableName.FEDERATED_RESULTS, lake.FEDERATED)
    engine = bootstrap.catalog(settings).reader()
    try:
        rows = engine.query(
            f"SELECT run_id, test_auc FROM {TableName.FEDERATED_RESULTS} ORDER BY run_id"
        ).to_pylist()
    finally:
        engine.close()
    assert rows == [{"run_id": "run_a", "test_auc": 0.81}, {"run_id": "run_b", "test_auc": 0.83}]

"""Reading the run's splits from the lake and keeping the experiment's report there.

The report is kept per run beside the run's other reports (JSON and markdown), and the
arms as a `federated_results` table (contract.outputs.FEDERATED_RESULTS) under
engagement-results/federated/<run id>/: outside the run's generation, because the
experiment runs after `engage run`, on its published data.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

from engage import lake
from engage.analytics.federated.experiment import markdown
from engage.contract.outputs import FEDERATED_RESULTS
from engage.ports import ObjectStore

REPORT_JSON = "federated.json"
REPORT_MD = "federated.md"


def read_splits(store: ObjectStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published run's processed training and test splits."""
    for prefix in (lake.PROCESSED_TRAINING, lake.PROCESSED_TEST):
        if not store.list(prefix):
            raise FileNotFoundError(f"no data under {store.uri(prefix)}: run `engage run` first")
    train = store.read_parquet(lake.PROCESSED_TRAINING).to_pandas()
    test = store.read_parquet(lake.PROCESSED_TEST).to_pandas()
    test.attrs["split"] = "test"  # as engage.models.honest.mark_test: for the report only
    return train, test


def results_table(report: dict, run_id: str) -> pa.Table:
    """One row per arm, typed by the contract."""
    rows = []
    for name, arm in report["arms"].items():
        dp = arm["dp"] or {}
        rows.append({
            "arm": name,
            "test_auc": arm["test_auc"],
            "auc_gap": arm["auc_gap"],
            "within_target": arm["within_target"],
            "rounds": arm["rounds"],
            "secure_aggregation": arm["secure"],
            "epsilon": dp.get("epsilon"),
            "delta": dp.get("delta"),
            "noise_multiplier": dp.get("noise_multiplier"),
            "bytes_up_per_device_round": arm.get("bytes_up_per_device_round"),
            "bytes_down_per_device_round": arm.get("bytes_down_per_device_round"),
            "bytes_up_per_device_total": arm.get("bytes_up_per_device_total"),
            "devices": report["shards"]["devices"],
            "train_rows": report["train_rows"],
            "test_rows": report["test_rows"],
            "run_id": run_id,
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=FEDERATED_RESULTS.arrow_schema())


def results_key(run_id: str) -> str:
    return f"{lake.FEDERATED}{run_id}/federated_results.parquet"


def save(store: ObjectStore, report: dict, run_id: str) -> dict[str, str]:
    """Write the JSON and markdown report and the results table; their URIs by kind."""
    keys = {
        "json": lake.report_key(run_id, REPORT_JSON),
        "markdown": lake.report_key(run_id, REPORT_MD),
        "table": results_key(run_id),
    }
    store.put_bytes(keys["json"], json.dumps(report, indent=2).encode())
    store.put_bytes(keys["markdown"], markdown(report).encode())
    store.write_parquet(keys["table"], results_table(report, run_id))
    return {kind: store.uri(key) for kind, key in keys.items()}

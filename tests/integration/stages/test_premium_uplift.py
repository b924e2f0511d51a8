"""The premium-uplift stage on the tiny lake: both tables published, catalogued, graded."""

from __future__ import annotations

import json

from engage import lake
from engage.contract.outputs import PREMIUM_TARGETS, PREMIUM_UPLIFT
from engage.lake import TableName
from engage.stages import premium_uplift


def test_stage_publishes_uplift_and_targets_with_a_graded_report(prepared_services) -> None:
    services = prepared_services
    event = {"run_id": "r1", "seed": 42, "source": str(services.settings.data_dir)}
    result = premium_uplift.run(event, services)
    assert result["uplift_status"] == "success"
    inputs = services.store.read_parquet(lake.PROCESSED_INFERENCE)
    table = services.store.read_parquet(lake.PREMIUM_UPLIFT)
    assert table.schema.names == PREMIUM_UPLIFT.names
    assert sorted(table.column("customer_id").to_pylist()) == sorted(
        inputs.column("customer_id").to_pylist()
    )
    targets = services.store.read_parquet(lake.PREMIUM_TARGETS)
    assert targets.schema.names == PREMIUM_TARGETS.names
    ids, kinds = table.column("customer_id").to_pylist(), table.column("account_type").to_pylist()
    accounts = dict(zip(ids, kinds, strict=True))
    assert {accounts[c] for c in targets.column("customer_id").to_pylist()} <= {"free"}

    in_catalog = services.sql.query(f"SELECT count(*) AS n FROM {TableName.PREMIUM_UPLIFT}")
    assert in_catalog.column("n")[0].as_py() == table.num_rows
    top = services.sql.query(f"SELECT min(rank) AS r FROM {TableName.PREMIUM_TARGETS}")
    assert top.column("r")[0].as_py() == 1

    report = json.loads(services.store.get_bytes(lake.report_key("r1", premium_uplift.REPORT)))
    assert {b["age_band"] for b in report["by_age_band"]} <= {
        "18-24", "25-34", "35-44", "45-54", "55+",
    }  # fmt: skip
    assert 0 <= report["out_of_overlap_share"] <= 1
    assert "grading" in report  # the tiny source carries the generator's ground truth
    assert -1 <= report["grading"]["correlation"] <= 1
    assert result["grading"]["passes"].keys() == {"correlation", "average", "age_bands"}

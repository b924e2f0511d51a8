"""Stage 3b, data validation (runs beside training): check what data preparation made.

Data preparation already refused a raw file that breaks the contract. This stage
checks the *products*: the processed tables still conform (the SQL lost or broke
nothing), the split is a true partition of the customers near 80/20, and the
inference input covers everyone. The report is kept in the lake for every run;
a failed check fails the run, naming the table, column and row count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from engage import contract, lake
from engage.contract.schema import Table
from engage.contract.validate import Finding, validate_table
from engage.lake import TableName
from engage.pipeline.history import RunHistory
from engage.stages.errors import DataValidationError
from engage.stages.services import Services, lambda_services, run_id_of
from engage.validation import html
from engage.validation.drift import drift_report, profile

PROFILE_REPORT, HTML_REPORT = "profile.json", "data_validation.html"
DRIFT_COLUMNS = [*contract.MODEL_INPUTS, *contract.TARGETS]
TEST_SHARE_RANGE = (0.15, 0.25)  # the id rule gives 20%; far off means a broken split
MIN_ROWS_FOR_SHARE_CHECK = 1_000  # below this the share is too noisy to judge

INFERENCE_INPUT = Table(
    "inference_input",
    "identifier and model inputs of every customer",
    tuple(
        c
        for c in contract.CUSTOMERS.columns
        if c.name == "customer_id" or c.name in contract.MODEL_INPUTS
    ),
    key=("customer_id",),
)

_COUNTS = """
SELECT
    (SELECT count(*) FROM engagement_raw.customers) AS raw_rows,
    (SELECT count(*) FROM engagement_raw.training_data) AS training_rows,
    (SELECT count(*) FROM engagement_raw.test_data) AS test_rows,
    (SELECT count(*) FROM engagement_raw.inference_input) AS inference_rows,
    (SELECT count(*) FROM engagement_raw.training_data t
        JOIN engagement_raw.test_data s ON t.customer_id = s.customer_id) AS overlap_rows
"""


def _split_findings(counts: Mapping[str, int]) -> list[Finding]:
    findings = []
    raw = counts["raw_rows"]
    if counts["training_rows"] + counts["test_rows"] != raw:
        lost = raw - counts["training_rows"] - counts["test_rows"]
        findings.append(Finding("split", "customer_id", lost, "not in exactly one split"))
    if counts["overlap_rows"]:
        findings.append(
            Finding("split", "customer_id", counts["overlap_rows"], "in both training and test")
        )
    if counts["inference_rows"] != raw:
        missing = raw - counts["inference_rows"]
        findings.append(Finding("coverage", "customer_id", missing, "missing from inference"))
    share = counts["test_rows"] / raw if raw else 0.0
    low, high = TEST_SHARE_RANGE
    if raw >= MIN_ROWS_FOR_SHARE_CHECK and not low <= share <= high:
        findings.append(
            Finding("split", "customer_id", counts["test_rows"], f"test share {share:.1%}")
        )
    return findings


def _table_findings(services: Services) -> dict[str, list[Finding]]:
    checks = {
        TableName.TRAINING_DATA: (lake.PROCESSED_TRAINING, contract.CUSTOMERS),
        TableName.TEST_DATA: (lake.PROCESSED_TEST, contract.CUSTOMERS),
        TableName.INFERENCE_INPUT: (lake.PROCESSED_INFERENCE, INFERENCE_INPUT),
    }
    return {
        name: validate_table(services.store.read_parquet(prefix), table)
        for name, (prefix, table) in checks.items()
    }


def reference_profile(services: Services, run_id: str) -> tuple[str | None, dict | None]:
    """The profile saved by the latest succeeded run before this one, if any."""
    runs = sorted(RunHistory(services.store).list_runs(), key=lambda r: r.started_at)
    for summary in reversed(runs):
        key = lake.report_key(summary.run_id, PROFILE_REPORT)
        usable = summary.run_id != run_id and summary.status == "SUCCEEDED"
        if usable and services.store.exists(key):
            return summary.run_id, json.loads(services.store.get_bytes(key))
    return None, None


def _drift(services: Services, run_id: str) -> tuple[dict[str, Any], str | None, list[Finding]]:
    """PSI of every feature and target against the reference; this run's profile saved."""
    frame = services.store.read_parquet(lake.RAW_CUSTOMERS_FILE).select(DRIFT_COLUMNS).to_pandas()
    reference_run, reference = reference_profile(services, run_id)
    settings = services.settings
    report = drift_report(reference, frame, settings.drift_warn_psi, settings.drift_fail_psi)
    services.save_report(run_id, PROFILE_REPORT, profile(frame, DRIFT_COLUMNS))
    findings = [
        Finding(
            "drift",
            name,
            len(frame),
            f"PSI {c['psi']:.3f} > {report['fail']} vs run {reference_run}",
        )
        for name, c in report["columns"].items()
        if c["level"] == "fail"
    ]
    return report, reference_run, findings


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Check the processed tables and drift; save JSON + HTML reports; raise on failure."""
    run_id = run_id_of(event)
    counts = _first_row(services.sql.query(_COUNTS))
    per_table = _table_findings(services)
    per_table["split"] = _split_findings(counts)
    drift, reference_run, drift_findings = _drift(services, run_id)
    per_table["drift"] = drift_findings
    failed = [f for findings in per_table.values() for f in findings]
    report = {
        "run_id": run_id,
        "status": "failed" if failed else "passed",
        "counts": counts,
        "checks": {name: [f.as_dict() for f in fs] for name, fs in per_table.items()},
        "reference_run": reference_run,
        "drift": drift,
    }
    report_key = services.save_report(run_id, "data_validation.json", report)
    services.store.put_bytes(lake.report_key(run_id, HTML_REPORT), html.render(report).encode())
    if failed:
        raise DataValidationError(f"processed data (report {report_key})", failed)
    warned = [name for name, c in drift["columns"].items() if c["level"] == "warn"]
    return {
        "validation_status": "passed",
        "run_id": run_id,
        "tables_checked": sorted(per_table),
        "counts": counts,
        "drift": {"status": drift["status"], "reference_run": reference_run, "warn": warned},
        "report": report_key,
        "html_report": services.store.uri(lake.report_key(run_id, HTML_REPORT)),
    }


def _first_row(table: pa.Table) -> dict[str, int]:
    return {k: int(v[0]) for k, v in table.to_pydict().items()}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())

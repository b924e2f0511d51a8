"""Cost arithmetic on synthetic runs: every line equals quantity x price, by hand."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engage.cost import (
    CostEstimate,
    CostLine,
    PriceTable,
    RunUsage,
    StageUsage,
    estimate,
    load_prices,
    measure,
    project,
)
from engage.cost.projection import exponents
from engage.cost.runcost import RunCost
from engage.cost.sqlscan import SqlScan


def _prices(**over: float) -> PriceTable:
    """Round-number prices so that expected totals can be worked out by hand."""
    base = {
        "fargate_vcpu_hour": 0.04,
        "fargate_gb_hour": 0.004,
        "fargate_spot_vcpu_hour": 0.01,
        "fargate_spot_gb_hour": 0.001,
        "fargate_min_billed_seconds": 60,
        "lambda_gb_second": 0.00002,
        "lambda_request": 0.0000002,
        "stepfunctions_transition": 0.000025,
        "athena_tb_scanned": 5.0,
        "athena_min_bytes_per_query": 10_000_000,
        "glue_catalog_request": 0.000001,
        "s3_gb_month": 0.023,
        "s3_put_request": 0.000005,
        "s3_get_request": 0.0000004,
        "dynamodb_write_request_unit": 0.000001,
        "dynamodb_read_request_unit": 0.0000002,
        "bedrock_input_token": 0.000003,
        "bedrock_output_token": 0.000015,
        "cloudwatch_logs_gb_ingested": 0.5,
    } | over
    return PriceTable.from_dict(
        {
            "region": "us-east-1",
            "prices": {
                k: {
                    "usd": v,
                    "unit": "u",
                    "as_of": "2025-01-15",
                    "source": "https://aws.amazon.com/",
                }
                for k, v in base.items()
            },
        }
    )


def _usage(**over: object) -> RunUsage:
    stages = (
        StageUsage("DataPreparation", "DataPreparation", "lambda", 2.0, 1),
        StageUsage("EngagementModel", "P/0/EngagementModel", "fargate", 3600.0, 1, 16, 64),
        StageUsage("InferenceTask", "InferenceTask", "fargate", 10.0, 1, 16, 64),
    )
    fields = dict(
        run_id="run_20260101T000000Z_abcdef",
        rows=100_000,
        stages=stages,
        transitions=40,
        scans=(SqlScan("a/b", ("x.y",), 2 * 1024**4), SqlScan("a/c", ("x.y",), 1_000)),
        s3_bytes=1024**3,
        s3_puts=1000,
        s3_gets=1000,
        dynamodb_writes=1_000_000,
        dynamodb_reads=0,
        log_bytes=1024**3,
        bedrock_input_tokens=1000,
        bedrock_output_tokens=100,
    )
    return RunUsage(**(fields | over))  # type: ignore[arg-type]


def _line(est: CostEstimate, service: str) -> CostLine:
    return next(line for line in est.lines if line.service == service)


def test_each_line_is_quantity_times_price() -> None:
    est = estimate(_usage(), _prices(), schedule_days=365.25 / 12)
    fargate = _line(est, "ECS Fargate")
    # One hour of 16 vCPU / 64 GB, plus a 10 s task billed as the one-minute minimum.
    hourly = 16 * 0.04 + 64 * 0.004
    assert fargate.on_demand_usd == pytest.approx(hourly * (1 + 60 / 3600))
    assert fargate.spot_usd == pytest.approx((16 * 0.01 + 64 * 0.001) * (1 + 60 / 3600))
    assert fargate.inputs["tasks"]["InferenceTask"]["billed_seconds"] == 60
    assert _line(est, "Lambda").on_demand_usd == pytest.approx(2.0 * 1.0 * 0.00002 + 0.0000002)
    assert _line(est, "Step Functions").on_demand_usd == pytest.approx(40 * 0.000025)
    # 2 TB, and a tiny statement billed at Athena's 10 MB minimum.
    assert _line(est, "Athena").on_demand_usd == pytest.approx((2 * 1024**4 + 1e7) / 1024**4 * 5)
    assert _line(est, "S3").on_demand_usd == pytest.approx(0.023 + 1000 * 0.000005 + 1000 * 4e-7)
    assert _line(est, "DynamoDB").on_demand_usd == pytest.approx(1.0)
    assert _line(est, "Bedrock").on_demand_usd == pytest.approx(0.003 + 0.0015)
    assert _line(est, "CloudWatch Logs").on_demand_usd == pytest.approx(0.5)
    assert est.total() == pytest.approx(sum(line.on_demand_usd for line in est.lines))
    assert est.total("spot") < est.total()
    assert est.monthly(7.0) == pytest.approx(est.total() * 365.25 / 12 / 7)


def test_projections_grow_with_customers_and_warn_past_lambda_limit() -> None:
    projections = project(_usage(), _prices())
    totals = [p.estimate.total() for p in projections]
    spots = [p.estimate.total("spot") for p in projections]
    assert totals == sorted(totals) and totals[0] < totals[-1]
    assert spots == sorted(spots)
    assert [p.rows for p in projections] == [100_000, 1_000_000, 10_000_000, 60_000_000]
    # DataPreparation takes 2 s at 100K: linear scaling puts it at 1,200 s at 60M.
    assert any("DataPreparation" in w for w in projections[-1].estimate.warnings)
    assert not projections[0].estimate.warnings


def test_exponent_is_measured_from_a_second_size_and_clamped() -> None:
    usage = _usage()
    refs = [(1_000_000, {"DataPreparation": 2.0 * 10**1.5, "InferenceTask": 10.0 * 1000})]
    exps = exponents(usage, refs)
    assert exps["DataPreparation"] == pytest.approx(1.5)
    assert exps["InferenceTask"] == 2.0  # measured 3, clamped
    assert exps["P/0/EngagementModel"] == 1.0  # no second measurement: linear
    assert exponents(usage, [(1_000, {"DataPreparation": 1.0})])["DataPreparation"] == 1.0


def test_budget_guard_trips() -> None:
    est = estimate(_usage(), _prices())
    cost = RunCost(
        _usage(),
        est,
        [],
        _prices(),
        budget_usd=est.total() * 0.99,
        capacity="on_demand",
        schedule_days=7,
    )
    assert cost.over_budget
    assert not RunCost(_usage(), est, [], _prices(), est.total() * 1.01, "on_demand", 7).over_budget


def test_packaged_prices_are_dated_and_sourced() -> None:
    table = load_prices()
    assert table.region == "us-east-1" and len(table.prices) >= 15
    for price in table.prices.values():
        assert price.usd > 0
        assert price.source.startswith("https://aws.amazon.com/")
        datetime.strptime(price.as_of, "%Y-%m-%d")


def test_measure_reads_the_run_record_and_the_lake(tmp_path: Path) -> None:
    start = datetime.now(UTC)
    (tmp_path / "engagement-data/raw/customers").mkdir(parents=True)
    (tmp_path / "engagement-data/raw/customers/customers.parquet").write_bytes(b"x" * 5000)
    (tmp_path / "catalog.duckdb").write_bytes(b"local only" * 100)
    old = tmp_path / "engagement-models/old.bin"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"y" * 100)
    os.utime(old, (0, 0))  # written long before the run: stored, not PUT by it
    record = {
        "run_id": "run_20260101T000000Z_abcdef",
        "started_at": start.isoformat(),
        "states": [
            {"name": "PreCleanup", "path": "PreCleanup", "duration_s": 0.5, "attempts": 1},
            {"name": "InferenceTask", "path": "InferenceTask", "duration_s": 30.0, "attempts": 2},
            {"name": "PipelineSuccess", "path": "PipelineSuccess", "duration_s": 0.0},
        ],
        "output": {"data_prep": {"raw_records": 1234}, "ensemble": {"cache": {"cached": 1234}}},
    }
    agent = tmp_path / "engagement-reports" / record["run_id"] / "agent_usage.json"
    agent.parent.mkdir(parents=True)
    agent.write_text('{"input_tokens": 900, "output_tokens": 80}')
    usage = measure(record, tmp_path, lambda_memory_mb=2048)
    assert usage.rows == 1234
    assert usage.transitions == 4  # three states entered, one retry
    assert [(s.name, s.kind) for s in usage.stages] == [
        ("PreCleanup", "lambda"),
        ("InferenceTask", "fargate"),
    ]
    inference = usage.stages[1]
    assert (inference.vcpu, inference.memory_gb, inference.attempts) == (16, 64, 2)
    assert usage.s3_bytes == 5100 + agent.stat().st_size and usage.s3_puts == 2
    assert usage.dynamodb_writes == 1234  # no cache file: one write unit per prediction
    assert usage.log_bytes == len(json.dumps(record, default=str).encode())
    assert (usage.bedrock_input_tokens, usage.bedrock_output_tokens) == (900, 80)
    scans = {s.statement: s for s in usage.scans}
    assert scans["engagement_raw/training_data"].bytes_scanned == 5000
    assert re.fullmatch(r"\w+/\w+", next(iter(scans)))

"""Infracost JSON and the Markdown dashboard agree with `engage cost`'s own figures."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from engage.cli.cost import to_dict
from engage.cost import CostLine, RunCost, RunUsage, StageUsage, estimate, load_prices, project
from engage.cost.dashboard import markdown
from engage.cost.infracost import HOURS_PER_MONTH, breakdown
from engage.cost.sqlscan import SqlScan

SCHEMA = json.loads((Path(__file__).parent / "infracost_breakdown.schema.json").read_text())


def _cost(capacity: str = "on_demand", days: float = 7.0, extra: tuple = ()) -> RunCost:
    usage = RunUsage(
        run_id="run_20260101T000000Z_abcdef",
        rows=100_000,
        stages=(
            StageUsage("DataPreparation", "DataPreparation", "lambda", 2.5, 1),
            StageUsage("EngagementModel", "P/0/EngagementModel", "fargate", 41.0, 2, 16, 64),
            StageUsage("InferenceTask", "InferenceTask", "fargate", 35.0, 1, 16, 64),
        ),
        transitions=40,
        scans=(SqlScan("a/b", ("x.y",), 3_000_000_000), SqlScan("a/c", ("x.y",), 1_000)),
        s3_bytes=2 * 1024**3,
        s3_puts=900,
        s3_gets=2000,
        dynamodb_writes=100_000,
        dynamodb_reads=0,
        log_bytes=50_000_000,
        bedrock_input_tokens=0,
        bedrock_output_tokens=0,
    )
    prices = load_prices()
    est = estimate(usage, prices, days)
    est = replace(est, lines=est.lines + tuple(extra))
    return RunCost(usage, est, project(usage, prices, [], schedule_days=days), prices, 20.0,
                   capacity, days)  # fmt: skip


@pytest.mark.parametrize("capacity", ["on_demand", "spot"])
def test_breakdown_validates_and_totals_equal_engage_cost(capacity: str) -> None:
    cost = _cost(capacity)
    doc = breakdown(cost)
    jsonschema.validate(doc, SCHEMA)
    expected = to_dict(cost)[f"monthly_{capacity}_usd"]
    assert float(doc["totalMonthlyCost"]) == pytest.approx(expected, rel=1e-9)
    assert float(doc["totalHourlyCost"]) == pytest.approx(expected / HOURS_PER_MONTH, rel=1e-6)
    resources = doc["projects"][0]["breakdown"]["resources"]
    assert len(resources) == len(cost.estimate.lines)
    assert sum(Decimal(r["monthlyCost"]) for r in resources) == pytest.approx(
        Decimal(doc["totalMonthlyCost"]), abs=Decimal("1e-8")
    )
    for r in resources:  # each component is quantity x price, as Infracost states it
        (c,) = r["costComponents"]
        assert float(c["monthlyCost"]) == pytest.approx(
            float(c["monthlyQuantity"]) * float(c["price"]), rel=1e-6, abs=1e-9
        )


def test_spot_prices_fargate_cheaper_and_nothing_else_changes() -> None:
    on_demand = {r["name"]: r for r in _resources(_cost("on_demand"))}
    spot = {r["name"]: r for r in _resources(_cost("spot"))}
    assert float(spot["engage.ecs_fargate"]["monthlyCost"]) < float(
        on_demand["engage.ecs_fargate"]["monthlyCost"]
    )
    assert spot["engage.athena"]["monthlyCost"] == on_demand["engage.athena"]["monthlyCost"]


def _resources(cost: RunCost) -> list[dict]:
    return breakdown(cost)["projects"][0]["breakdown"]["resources"]


def test_a_new_cost_line_flows_through_to_both_outputs() -> None:
    """Lines the model gains later (e.g. fixed infrastructure) need no change here."""
    line = CostLine("AWS WAF", "1 web ACL, 2 rules (fixed)", 0.9, 0.9, {"web_acls": 1})
    cost = _cost(extra=(line,))
    doc = breakdown(cost)
    jsonschema.validate(doc, SCHEMA)
    waf = next(r for r in _resources(cost) if r["name"] == "engage.aws_waf")
    assert float(waf["monthlyCost"]) == pytest.approx(0.9 * 365.25 / 12 / 7)
    assert float(doc["totalMonthlyCost"]) == pytest.approx(to_dict(cost)["monthly_on_demand_usd"])
    assert "| AWS WAF | 1 web ACL, 2 rules (fixed) |" in markdown(cost)


def test_schema_rejects_what_infracost_would_not_read() -> None:
    doc = breakdown(_cost())
    doc["projects"][0]["breakdown"]["resources"][0]["costComponents"][0].pop("price")
    with pytest.raises(jsonschema.ValidationError, match="price"):
        jsonschema.validate(doc, SCHEMA)
    doc = breakdown(_cost())
    doc["totalMonthlyCost"] = 1.5  # a number, where Infracost writes a decimal string
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_markdown_dashboard_lists_every_line_and_the_totals() -> None:
    cost = _cost(days=1.0)
    text = markdown(cost)
    for line in cost.estimate.lines:
        assert f"| {line.service} | {line.usage} |" in text
    assert f"**${cost.estimate.total():,.4f}**" in text
    assert f"**${cost.estimate.monthly(1.0):,.2f}**" in text
    assert "| 60,000,000 |" in text
    assert ("is **over** the budget" in text) == cost.over_budget
    over = markdown(replace(cost, budget_usd=cost.total / 2))
    assert "is **over** the budget" in over

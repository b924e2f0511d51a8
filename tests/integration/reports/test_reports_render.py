"""The three PDFs and the HTML page render from a real run and state the run's own figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from engage import bootstrap
from engage.cli import app
from engage.cli.cost import summary_line
from engage.cost import run_cost
from engage.models.registry import ModelRegistry
from engage.pipeline.history import RunHistory
from engage.reports import build_reports
from engage.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def reports(
    pipeline_lake: tuple[Settings, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    settings, run_id = pipeline_lake
    STEPS_SEEN.clear()
    DETAILS_SEEN.clear()
    store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
    folder = tmp_path_factory.mktemp("reports")
    paths = build_reports(
        store, catalog, settings, run_id, folder, STEPS_SEEN.append, DETAILS_SEEN.append
    )
    return {p.stem: p for p in paths}


STEPS_SEEN: list[str] = []
DETAILS_SEEN: list[str] = []


def test_every_report_step_is_announced_as_it_starts(reports: dict[str, Path]) -> None:
    from engage.reports import STEPS

    assert list(STEPS) == STEPS_SEEN  # `engage report` shows each one (was silent 10-80 s)


def test_each_chart_of_the_pdfs_is_announced(reports: dict[str, Path]) -> None:
    assert DETAILS_SEEN and DETAILS_SEEN[0] == "chart 1 drawn"
    assert all(d.startswith("chart ") for d in DETAILS_SEEN)


def _text(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) >= 1
    return " ".join(page.extract_text() for page in reader.pages)


def test_engagement_pdf_states_the_run_metrics(
    reports: dict[str, Path], pipeline_lake: tuple[Settings, str]
) -> None:
    settings, run_id = pipeline_lake
    text = _text(reports["engagement"])
    assert run_id in text
    store = bootstrap.object_store(settings)
    for model, metric in (("engagement", "r2"), ("churn", "auc_roc")):
        registry = ModelRegistry(store, model)
        meta = registry.metadata(registry.version_for_run(run_id))
        value = meta["metrics"]["test"].get(metric) or meta["metrics"]["test"]["auc"]
        assert f"{value:.4f}" in text, (model, value)
    with bootstrap.sql_engine(settings, read_only=True) as sql:  # type: ignore[attr-defined]
        n = sql.query(
            "SELECT count(*) AS n FROM engagement_analytics.at_risk_customers"
        ).to_pylist()
    assert f"{n[0]['n']:,}" in text
    assert "Fairness by group" in text


def test_costs_and_architecture_pdfs(
    reports: dict[str, Path], pipeline_lake: tuple[Settings, str]
) -> None:
    settings, run_id = pipeline_lake
    cost = run_cost(bootstrap.object_store(settings), settings, run_id)
    costs = _text(reports["costs"])
    assert run_id in costs
    assert f"${cost.estimate.total():.4f}" in costs
    assert f"${cost.estimate.total('spot'):.4f}" in costs
    assert "60,000,000" in costs and "fargate_spot_vcpu_hour" in costs
    arch = _text(reports["architecture"])
    assert run_id in arch and "InferenceTask" in arch
    record = RunHistory(bootstrap.object_store(settings)).get(run_id)
    inference = next(s for s in record["states"] if s["name"] == "InferenceTask")
    assert f"{inference['duration_s']:.2f}" in arch


def test_html_links_the_pdfs(reports: dict[str, Path], pipeline_lake: tuple[Settings, str]) -> None:
    page = reports["report"].read_text()
    assert pipeline_lake[1] in page
    for name in ("engagement.pdf", "costs.pdf", "architecture.pdf"):
        assert f'href="{name}"' in page


def test_cost_cli_traces_to_the_run_and_checks_the_budget(
    lake_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["cost", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["run_id"] == lake_env and data["rows"] == 1_500
    steps = next(line for line in data["lines"] if line["service"] == "Step Functions")
    assert steps["inputs"]["transitions"] == data["usage"]["transitions"] >= 12
    assert runner.invoke(app, ["cost", "--check"]).exit_code == 0
    monkeypatch.setenv("ENGAGE_BUDGET_USD", "0.000001")
    tripped = runner.invoke(app, ["cost", lake_env, "--check"])
    assert tripped.exit_code == 1 and "Over budget" in tripped.output


def test_run_summary_line_never_fails(pipeline_lake: tuple[Settings, str]) -> None:
    settings, run_id = pipeline_lake
    assert summary_line(settings, run_id).startswith("AWS cost: $")
    assert "unavailable" in summary_line(settings, "run_20000101T000000Z_000000")

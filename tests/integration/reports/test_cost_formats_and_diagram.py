"""On a real run: Infracost JSON and the dashboard equal `engage cost`; the PDF has the diagram."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from engage import bootstrap
from engage.cli import app
from engage.diagrams.graph import PORTS
from engage.reports import build_reports
from engage.settings import Settings

runner = CliRunner()
SCHEMA = Path(__file__).parents[2] / "unit" / "cost" / "infracost_breakdown.schema.json"


def test_infracost_and_markdown_totals_equal_engage_cost(lake_env: str, tmp_path: Path) -> None:
    plain = json.loads(runner.invoke(app, ["cost", "--json"]).output)
    out = tmp_path / "infracost.json"
    result = runner.invoke(app, ["cost", "--format", "infracost", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["runId"] == lake_env
    assert float(doc["totalMonthlyCost"]) == pytest.approx(plain["monthly_on_demand_usd"])
    services = {r["tags"]["service"] for r in doc["projects"][0]["breakdown"]["resources"]}
    assert services == {line["service"] for line in plain["lines"]}
    md = runner.invoke(app, ["cost", "--format", "markdown"]).output
    assert f"**${plain['total_on_demand_usd']:,.4f}**" in md
    assert f"**${plain['monthly_on_demand_usd']:,.2f}**" in md


def test_architecture_pdf_draws_the_component_diagram(
    pipeline_lake: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, run_id = pipeline_lake
    store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
    paths = {p.stem: p for p in build_reports(store, catalog, settings, run_id, tmp_path)}
    reader = PdfReader(paths["architecture"])
    first = reader.pages[0]
    assert len(first.images) >= 1  # the diagram sits under the first heading
    text = " ".join(page.extract_text() for page in reader.pages)
    for port in PORTS:
        assert port.name.split(" (")[0] in text

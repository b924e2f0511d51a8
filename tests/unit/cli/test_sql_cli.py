"""`engage sql`: one-shot queries in three formats, the shell, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from engage import bootstrap
from engage.adapters.sql import DuckDbEngine
from engage.adapters.store import LocalObjectStore
from engage.adapters.store.generations import GenerationStore
from engage.cli.sql import register
from engage.settings import Settings

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # keeps `sql` a named sub-command, as in the real app
        """engage"""

    return app


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "lake"
    monkeypatch.setenv("ENGAGE_LAKE", str(root))
    store = LocalObjectStore(root)
    store.write_parquet(
        "engagement-models/metrics/m.parquet",
        pa.table({"metric": ["r2", "rmse"], "value": [0.75, 0.125]}),
    )
    engine = bootstrap.sql_engine(Settings())
    engine.register_parquet("engagement_predictions.model_metrics", "engagement-models/metrics/")
    engine.close()
    return root


def test_bootstrap_builds_the_local_backends(lake: Path) -> None:
    store = bootstrap.object_store(Settings())
    assert isinstance(store, GenerationStore) and isinstance(store.base, LocalObjectStore)
    engine = bootstrap.sql_engine(Settings(), read_only=True)
    assert isinstance(engine, DuckDbEngine) and engine.read_only
    engine.close()


def test_table_output(app: typer.Typer, lake: Path) -> None:
    result = runner.invoke(app, ["sql", "SELECT * FROM engagement_predictions.model_metrics"])
    assert result.exit_code == 0, result.output
    assert "rmse" in result.output and "0.125" in result.output and "2 row(s)" in result.output


def test_csv_and_json_output(app: typer.Typer, lake: Path) -> None:
    sql = "SELECT metric, value FROM engagement_predictions.model_metrics ORDER BY metric"
    result = runner.invoke(app, ["sql", "--format", "csv", sql])
    assert result.exit_code == 0 and result.output == "metric,value\nr2,0.75\nrmse,0.125\n"
    result = runner.invoke(app, ["sql", "-f", "json", sql])
    assert json.loads(result.output) == [
        {"metric": "r2", "value": 0.75},
        {"metric": "rmse", "value": 0.125},
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM nowhere", "nowhere"),
        ("DROP TABLE engagement_predictions.model_metrics", "read-only"),
        ("SELECT (", "parse"),
    ],
)
def test_errors_are_one_line_and_exit_1(
    app: typer.Typer, lake: Path, sql: str, message: str
) -> None:
    result = runner.invoke(app, ["sql", sql])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error:") and message in lines[0]
    assert lines[1].startswith("hint: "), lines


def test_shell_reads_statements_until_semicolon(app: typer.Typer, lake: Path) -> None:
    script = ".tables\nSELECT metric\n  FROM engagement_predictions.model_metrics\n"
    script += " WHERE metric = 'r2';\n.quit\nSELECT 'never run';\n"
    result = runner.invoke(app, ["sql", "--format", "csv"], input=script)
    assert result.exit_code == 0, result.output
    assert result.stdout == "engagement_predictions.model_metrics\nmetric\nr2\n"


def test_shell_on_a_pipe_exits_1_when_a_statement_fails(app: typer.Typer, lake: Path) -> None:
    result = runner.invoke(app, ["sql"], input="SELECT nope;\nSELECT 1 AS one;\n")
    assert result.exit_code == 1
    assert "one" in result.stdout and result.stderr.startswith("error:")


def test_missing_catalog_is_a_clear_error(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "empty"))
    result = runner.invoke(app, ["sql", "SELECT 1"])
    assert result.exit_code == 1 and "no catalog" in result.stderr


def test_an_s3_lake_without_a_catalog_says_where_it_looked(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", "s3://bucket/lake")
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["sql", "SELECT 1"])
    assert result.exit_code == 1 and "no catalog" in result.stderr
    assert str(tmp_path) in result.stderr

"""Listings at 80 columns show every id and number whole; each has a --json twin."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from engage.cli import app
from engage.cli.tables import show


def test_a_wide_table_at_80_columns_keeps_every_id_and_number() -> None:
    ids = [f"CUST_{i:07d}" for i in range(5)]
    table = Table("customer_id", "qa_reason", "predicted_engagement_score", "actual_engagement",
                  "review_status", "override_value", "reviewer", "reviewer_notes")  # fmt: skip
    for cid in ids:
        table.add_row(cid, "large_error", "0.123456", "0.987654", "pending", "0.5", "someone",
                      "a long note that may wrap over several lines of the terminal")  # fmt: skip
    out = io.StringIO()
    show(Console(file=out, width=80, color_system=None), table)
    text = out.getvalue()
    assert "…" not in text
    for cid in ids:
        assert cid in text  # whole on one line: it can be copied into `qa review`
    assert "0.123456" in text and "0.987654" in text


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENGAGE_API_KEYS_PATH", str(tmp_path / "keys.json"))
    return tmp_path


def test_listings_have_json(env) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "create", "--name", "k1"]).exit_code == 0
    keys = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [k["name"] for k in keys] == ["k1"] and "hash" not in keys[0]
    assert json.loads(runner.invoke(app, ["runs", "--json"]).stdout) == []
    assert json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout) == []


def test_runs_show_latest_without_runs_is_a_clear_error(env) -> None:
    result = CliRunner().invoke(app, ["runs", "show", "latest"])
    assert result.exit_code == 1 and result.stderr.startswith("error: no runs yet")

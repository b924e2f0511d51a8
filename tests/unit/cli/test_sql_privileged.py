"""`engage sql` and the restricted (PII) schema: refused without --privileged, audited
with it; the shell's banner and Ctrl-C. Before: names and e-mails came back to anyone."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from engage import bootstrap, lake
from engage.adapters.store import LocalObjectStore
from engage.cli import sql as sql_cli
from engage.privacy.sql_access import ACCESS_LOG, touches_restricted
from engage.settings import Settings

runner = CliRunner()
PII = "SELECT email FROM engagement_restricted.customer_pii"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    sql_cli.register(app)

    @app.callback()
    def _root() -> None:
        """engage"""

    return app


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "lake"
    monkeypatch.setenv("ENGAGE_LAKE", str(root))
    store = LocalObjectStore(root)
    store.write_parquet(lake.RESTRICTED_PII_FILE, pa.table({"email": ["a@example.com"]}))
    engine = bootstrap.sql_engine(Settings())
    engine.register_parquet("engagement_restricted.customer_pii", lake.RESTRICTED_PII_FILE)
    engine.close()
    return root


def test_pii_needs_privileged_and_is_audited(app, root) -> None:
    refused = runner.invoke(app, ["sql", PII])
    assert refused.exit_code == 1 and "a@example.com" not in refused.stdout
    assert refused.stderr.startswith("error: ") and "--privileged" in refused.stderr
    assert not (root / ACCESS_LOG).exists()
    allowed = runner.invoke(app, ["sql", "--privileged", PII])
    assert allowed.exit_code == 0 and "a@example.com" in allowed.stdout
    logged = pq.read_table(root / ACCESS_LOG).to_pylist()
    assert len(logged) == 1 and logged[0]["query"] == PII and logged[0]["user"]


@pytest.mark.parametrize(
    "query",
    [
        PII,
        "select * from ENGAGEMENT_RESTRICTED.customer_pii",
        "select * from read_parquet('lake/engagement-restricted/customer_pii/x.parquet')",
        "select * from read_csv('/etc/passwd')",
        "with p as (select * from engagement_restricted.erasure_log) select * from p",
    ],
)
def test_every_route_to_the_restricted_data_is_recognised(query) -> None:
    assert touches_restricted(query)


def test_ordinary_queries_are_not_restricted() -> None:
    assert not touches_restricted("SELECT * FROM engagement_predictions.predictions")


def test_shell_banner_and_ctrl_c_cancels_the_line(root, monkeypatch) -> None:
    lines = iter(["SELECT 1", KeyboardInterrupt, "SELECT 42 AS answer;", ".quit"])

    def fake_input(prompt: str) -> str:
        item = next(lines)
        if item is KeyboardInterrupt:
            raise KeyboardInterrupt
        return item

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr(sql_cli, "HISTORY", root / "history")
    engine = sql_cli._Guarded(bootstrap.sql_engine(Settings(), read_only=True), False, None)
    out = io.StringIO()
    monkeypatch.setattr(typer, "echo", lambda msg="", **kw: out.write(f"{msg}\n"))
    assert sql_cli._shell(engine, sql_cli.OutputFormat.json, Tty())
    text = out.getvalue()
    assert ".help" in text and ".tables" in text and "^C" in text
    assert '"answer": 42' in text and '"1"' not in text  # the cancelled line never ran
    engine.close()

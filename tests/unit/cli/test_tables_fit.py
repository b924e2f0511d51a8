"""`show` never crops: a column that may not wrap counts at its full width, and the
one-record-per-block fallback renders markup instead of printing it."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from engage.cli.tables import show

RUN_ID = "run_20261202T062751Z_a46e2a"
STARTED = "2026-12-02 06:27:51"


def _table() -> Table:
    table = Table()
    for name in ("Run id", "Status", "Started (UTC)", "Seconds", "Failed state"):
        table.add_column(name, no_wrap=name in ("Run id", "Started (UTC)"))
    table.add_row(RUN_ID, "[green]SUCCEEDED[/]", STARTED, "17.4", "InferenceTask")
    return table


def test_no_wrap_cells_are_never_cropped_at_80_columns() -> None:
    out = io.StringIO()
    show(Console(file=out, width=80, force_terminal=False), _table())
    text = out.getvalue()
    assert RUN_ID in text and STARTED in text and "InferenceTask" in text
    assert "[green]" not in text and "SUCCEEDED" in text
    assert all(len(line) <= 80 for line in text.splitlines())

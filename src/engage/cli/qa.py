"""`engage qa list` and `engage qa review`: the human review loop over the QA queue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json, show
from engage.ports import SqlError
from engage.qa.status import STATUSES, Status

console = Console()
err_console = Console(stderr=True)
qa_app = typer.Typer(
    help="The human QA queue: list it, record review decisions.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(qa_app, name="qa")


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else ("" if value is None else str(value))


@qa_app.command("list")
def list_queue(
    status: Annotated[
        str | None, typer.Option("--status", help=f"Only one status: {', '.join(STATUSES)}.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N rows.")] = 50,
    as_json: Annotated[bool, JsonFlag] = False,
) -> None:
    """Show the QA queue with each entry's decision in force."""
    from engage import bootstrap
    from engage.qa.queue import review_queue
    from engage.settings import Settings

    try:
        settings = Settings()
        store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
        rows = review_queue(store, catalog, status)
    except (ValueError, SqlError) as err:
        fail(err, 1)
    columns = ("customer_id", "qa_reason", "predicted_engagement_score", "actual_engagement",
               "review_status", "override_value", "reviewer", "reviewer_notes")  # fmt: skip
    if as_json:
        echo_json([{c: row[c] for c in columns} for row in rows[:limit]])
        return
    table = Table(*columns)
    for row in rows[:limit]:
        table.add_row(*(_fmt(row[c]) for c in columns))
    show(console, table)
    console.print(
        f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}; showing {min(len(rows), limit)}."
    )


@qa_app.command("review")
def review(
    customer_id: Annotated[str, typer.Argument(help="A customer in the queue.")],
    status: Annotated[Status, typer.Option("--status", help="The decision.")],
    note: Annotated[str, typer.Option("--note", help="Why (no PII).")],
    value: Annotated[
        float | None, typer.Option("--value", help="Corrected engagement score (overridden).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Reviewer (default: OS user).")] = None,
) -> None:
    """Record a decision on a queued prediction (append-only)."""
    from engage import bootstrap
    from engage.qa.decisions import ReviewError, record_decision
    from engage.settings import Settings

    try:
        settings = Settings()
        store, catalog = bootstrap.object_store(settings), bootstrap.catalog(settings)
        row = record_decision(store, catalog, customer_id, status.value, note, value, by)
    except (ReviewError, SqlError) as err:
        fail(err, 1)
    extra = f" value {row['override_value']}" if row["override_value"] is not None else ""
    console.print(f"Recorded {row['status']}{extra} for {customer_id} by {row['reviewer']}.")

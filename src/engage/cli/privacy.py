"""`engage forget`, `engage export`, `engage retention`: data-subject rights and expiry.

Thin: the work is in `engage.privacy`. Errors print one line and exit 1; nothing here
prints PII except `export`, whose purpose is to hand it to its owner (and which
writes a file only its owner can read).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import report
from engage.ports import SqlError

console = Console()
err_console = Console(stderr=True)


def _errors() -> tuple[type[Exception], ...]:
    """What a privacy command reports as one line (tokens load settings: only when run)."""
    from engage.privacy.errors import PrivacyError  # the contract (pyarrow) loads only when run
    from engage.privacy.tokens import TokenKeyError

    return (PrivacyError, SqlError, TokenKeyError)


CustomerId = Annotated[str, typer.Argument(help="Customer id, e.g. CUST_0000042.")]


def register(app: typer.Typer) -> None:
    app.command("forget")(forget)
    app.command("export")(export)
    app.command("retention")(retention)


def _ports() -> tuple[Any, ...]:
    """(store, catalog, hooks, token keys) for these settings: the CLI composes, the library
    receives."""
    from engage import bootstrap
    from engage.privacy.tokens import TokenKeys
    from engage.settings import Settings

    settings = Settings()
    store = bootstrap.object_store(settings)
    hooks = bootstrap.privacy_hooks(settings, store)
    return store, bootstrap.catalog(settings), hooks, TokenKeys(settings)


def _fail(err: Exception) -> typer.Exit:
    report(err)
    return typer.Exit(1)


def forget(
    customer_id: CustomerId,
    by: Annotated[str | None, typer.Option("--by", help="Who asked (default: OS user).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, change nothing.")] = False,
) -> None:
    """Erase a customer from every table, cache and hook; log it (token only, no id)."""
    from engage.privacy.forget import forget_customer

    try:
        report = forget_customer(*_ports(), customer_id, by, dry_run=dry_run)
    except _errors() as err:
        raise _fail(err) from None
    if report.already_erased:
        console.print(f"Already erased; nothing of it is left in the lake. Hooks: {report.hooks}")
        return
    table = Table("Table", "Rows removed" if not dry_run else "Rows to remove")
    for name, rows in sorted(report.rows_by_table.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    for doc in report.documents:
        console.print(f"{'would redact' if dry_run else 'redacted'} {doc}")
    if dry_run:
        console.print("Dry run: nothing was changed.")
        return
    for name, outcome in report.hooks.items():
        console.print(f"hook {name}: {outcome}")
    for model in report.retained_in_models:
        console.print(f"[yellow]model {model} was trained with this customer: retrain it[/]")
    console.print(f"Erased {report.total_rows:,} rows; logged as {report.erasure_id}.")
    if any(o.startswith("failed") for o in report.hooks.values()):
        err_console.print("[red]Some hooks failed: run `engage forget` again to finish.[/]")
        raise typer.Exit(1)


def export(
    customer_id: CustomerId,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write JSON here (mode 0600).")
    ] = None,
) -> None:
    """Everything held about one customer, as JSON (right to know)."""
    from engage.privacy.export import export_customer

    try:
        data = export_customer(*_ports(), customer_id)
    except _errors() as err:
        raise _fail(err) from None
    text = json.dumps(data, indent=2, default=str)
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    console.print(f"Wrote {out} ({sum(data['row_counts'].values())} rows from the lake).")


def retention(
    days: Annotated[
        int | None, typer.Option("--days", help="Age limit (ENGAGE_RETENTION_DAYS).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, delete nothing.")] = False,
) -> None:
    """Delete run artefacts older than the limit (never the served model version)."""
    from engage import bootstrap
    from engage.privacy.retention import apply_retention, plan_retention
    from engage.settings import Settings

    settings = Settings()
    store = bootstrap.object_store(settings)
    try:
        expired = plan_retention(store, days if days is not None else settings.retention_days)
    except ValueError as err:
        raise _fail(err) from None
    if not expired:
        console.print("Nothing is older than the limit.")
        return
    table = Table("Kind", "Key", "Created (UTC)")
    for item in expired:
        table.add_row(item.kind, item.key, item.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)
    if dry_run:
        console.print(f"Dry run: {len(expired)} item(s) would be deleted.")
        return
    removed = apply_retention(store, expired)
    console.print(f"Deleted {len(expired)} item(s), {removed} file(s).")

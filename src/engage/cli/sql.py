"""`engage sql`: query the catalog (Athena dialect) from the command line or a small shell.

The catalog is opened read-only, so nothing typed here can change tables or the lake;
the engine also refuses anything but SELECT/WITH. Errors are one line and exit 1.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pyarrow as pa

    from engage.ports import SqlEngine

_SHELL_HELP = "Statements end with ';'.  .tables lists tables, .help shows this, .quit exits."


class OutputFormat(StrEnum):
    """How `engage sql` prints rows."""

    table = "table"
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the `sql` command to the `engage` app."""
    app.command("sql")(sql)


def sql(
    query: Annotated[
        str | None, typer.Argument(help="A SELECT (Athena dialect); omit it for a shell.")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="How to print rows.")
    ] = OutputFormat.table,
) -> None:
    """Query the catalog: `engage sql "SELECT ..."`, or `engage sql` for a shell."""
    from engage.settings import Settings

    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # we report parse errors ourselves
    try:
        from engage import bootstrap  # the engine (duckdb, pyarrow) loads only for a query

        engine = bootstrap.sql_engine(Settings(), read_only=True)
    except Exception as err:
        _error(err)
        raise typer.Exit(1) from None
    try:
        ok = _shell(engine, fmt, sys.stdin) if query is None else _run(engine, query, fmt)
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()
    raise typer.Exit(0 if ok else 1)


def _run(engine: SqlEngine, query: str, fmt: OutputFormat) -> bool:
    """Run one query and print it; report a failure as one line. Returns success."""
    try:
        result = engine.query(query)
    except Exception as err:
        _error(err)
        return False
    _print(result, fmt)
    return True


def _shell(engine: SqlEngine, fmt: OutputFormat, stdin: TextIO) -> bool:
    """Read statements until ';' and dot-commands; works on a pipe as well as a TTY.

    On a pipe (scripts, CI) any failed statement makes the command exit 1.
    """
    interactive = stdin.isatty()
    buffer: list[str] = []
    ok = True
    while True:
        if interactive:
            typer.echo("   ...> " if buffer else "engage> ", nl=False)
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not buffer and text.startswith("."):
            if text in (".quit", ".exit"):
                break
            ok = _dot_command(engine, text) and ok
            continue
        if text:
            buffer.append(line)
        if text.endswith(";"):
            ok = _run(engine, "".join(buffer), fmt) and ok
            buffer.clear()
    if "".join(buffer).strip():
        ok = _run(engine, "".join(buffer), fmt) and ok
    return ok or interactive


def _dot_command(engine: SqlEngine, command: str) -> bool:
    if command == ".tables":
        for name in engine.tables():
            typer.echo(name)
        return True
    if command == ".help":
        typer.echo(_SHELL_HELP)
        return True
    _error(f"unknown command {command}; {_SHELL_HELP}")
    return False


def _print(result: pa.Table, fmt: OutputFormat) -> None:
    rows = result.to_pylist()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, default=str))
    elif fmt is OutputFormat.csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.column_names)
        writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
        typer.echo(out.getvalue(), nl=False)
    else:
        table = Table(*result.column_names)
        for row in rows:
            table.add_row(*(_cell(v) for v in row.values()))
        console = Console()
        console.print(table)
        console.print(f"{len(rows)} row(s)")


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _error(err: BaseException | str) -> None:
    """One line on stderr: multi-line engine messages (caret pointers) are folded."""
    lines = [ln.strip() for ln in str(err).splitlines()]
    kept = [ln for ln in lines if ln and not ln.startswith(("LINE ", "^"))]
    typer.echo(f"error: {' '.join(kept) or type(err).__name__}", err=True)

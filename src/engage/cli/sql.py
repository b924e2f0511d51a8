"""`engage sql`: query the catalog (Athena dialect) from the command line or a small shell.

The catalog is opened read-only, so nothing typed here can change tables or the lake;
the engine also refuses anything but SELECT/WITH. Errors are one line and exit 1.
The restricted (PII) schema needs `--privileged`, and each use is audited
(`engage.privacy.sql_access`). On a terminal the shell has line editing and history
(readline, `~/.engage_sql_history`), a banner, and Ctrl-C cancels the line or the
running query instead of leaving.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pyarrow as pa

    from engage.ports import SqlEngine


_SHELL_HELP = "Statements end with ';'.  .tables lists tables, .help shows this, .quit exits."
_BANNER = "engage SQL shell (Athena dialect, read-only). Type .help for help, .tables for tables."
HISTORY = Path.home() / ".engage_sql_history"


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
    privileged: Annotated[
        bool,
        typer.Option(
            "--privileged", help="Allow the restricted (PII) schema; every use is audited."
        ),
    ] = False,
) -> None:
    """Query the catalog: `engage sql "SELECT ..."`, or `engage sql` for a shell."""
    from engage.settings import Settings

    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # we report parse errors ourselves
    settings = Settings()
    try:
        from engage import bootstrap  # the engine (duckdb, pyarrow) loads only for a query

        engine = bootstrap.sql_engine(settings, read_only=True)
    except Exception as err:
        _error(err, "run the pipeline first: `engage run`")
        raise typer.Exit(1) from None
    engine = _Guarded(engine, privileged, bootstrap.object_store(settings) if privileged else None)
    try:
        ok = _shell(engine, fmt, sys.stdin) if query is None else _run(engine, query, fmt)
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()
    raise typer.Exit(0 if ok else 1)


class _Guarded:
    """The engine as `engage sql` may use it: PII only when privileged, and audited."""

    def __init__(self, engine: SqlEngine, privileged: bool, store: Any) -> None:
        self.engine, self.privileged, self.store = engine, privileged, store

    def query(self, sql: str) -> pa.Table:
        from engage.privacy import sql_access  # sqlglot and pyarrow load only for a query

        sql_access.check(sql, self.privileged, self.store)
        return self.engine.query(sql)

    def tables(self) -> list[str]:
        names = self.engine.tables()
        from engage import lake

        hidden = f"{lake.RESTRICTED_SCHEMA}."
        return names if self.privileged else [n for n in names if not n.startswith(hidden)]

    def close(self) -> None:
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()


def _run(engine: Any, query: str, fmt: OutputFormat) -> bool:
    """Run one query and print it; report a failure as one line. Returns success."""
    try:
        result = engine.query(query)
    except KeyboardInterrupt:
        _error("query cancelled", "Ctrl-C cancels a query; in the shell, Ctrl-D or .quit exits")
        return False
    except Exception as err:
        _error(err, _QUERY_HINT)
        return False
    _print(result, fmt)
    return True


def _shell(engine: Any, fmt: OutputFormat, stdin: TextIO) -> bool:
    """Read statements until ';' and dot-commands; works on a pipe as well as a TTY.

    On a pipe (scripts, CI) any failed statement makes the command exit 1.
    """
    interactive = stdin.isatty()
    buffer: list[str] = []
    ok = True
    if interactive:
        _start_history()
        typer.echo(_BANNER)
    while True:
        try:
            line = _read_line(stdin, interactive, "   ...> " if buffer else "engage> ")
        except KeyboardInterrupt:  # Ctrl-C: drop the statement being typed, stay in the shell
            typer.echo("^C")
            buffer.clear()
            continue
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


def _read_line(stdin: TextIO, interactive: bool, prompt: str) -> str:
    """One line ('' at the end); `input` on a terminal, so readline edits and recalls."""
    if not interactive:
        return stdin.readline()
    try:
        return input(prompt) + "\n"
    except EOFError:
        typer.echo("")
        return ""


def _start_history() -> None:
    """Line editing and a persistent history, where the platform has readline."""
    try:
        import atexit
        import readline
    except ImportError:
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)
    atexit.register(_save_history, readline)


def _save_history(readline: Any) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(HISTORY)


def _dot_command(engine: Any, command: str) -> bool:
    if command == ".tables":
        for name in engine.tables():
            typer.echo(name)
        return True
    if command == ".help":
        typer.echo(_SHELL_HELP)
        return True
    _error(f"unknown command {command}", _SHELL_HELP)
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


_QUERY_HINT = "check the query; `engage sql` opens a shell where .tables lists the tables"


def _error(err: BaseException | str, default_hint: str) -> None:
    """`error:` + `hint:` on stderr: multi-line engine messages (caret pointers) are folded."""
    lines = [ln.strip() for ln in str(err).splitlines()]
    kept = [ln for ln in lines if ln and not ln.startswith(("LINE ", "^"))]
    typer.echo(f"error: {' '.join(kept) or type(err).__name__}", err=True)
    typer.echo(f"hint: {getattr(err, 'hint', None) or default_hint}", err=True)

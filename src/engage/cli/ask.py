"""`engage ask "..."`: a question in plain words, answered from this run's results."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.ports import SqlError

if TYPE_CHECKING:
    from engage.agent.answer import Answer

console = Console()


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)


def ask(
    questions: Annotated[list[str], typer.Argument(help="One or more questions, asked in turn.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answers as JSON.")] = False,
    show_sql: Annotated[bool, typer.Option("--sql", help="Also print the SQL used.")] = False,
) -> None:
    """Answer questions about the engagement data (follow-ups refer to the previous one)."""
    from engage import bootstrap  # the agent loads only when asked
    from engage.settings import Settings

    session = bootstrap.session(Settings())
    try:
        answers = [session.ask(q) for q in questions]
    except SqlError as err:  # no run yet, or a catalog that cannot be opened
        fail(err, 1)
    finally:
        session.close()
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in answers], indent=2, default=str))
        return
    for answer in answers:
        _show(answer, show_sql)


def _show(answer: Answer, show_sql: bool) -> None:
    style = "yellow" if answer.refused else "green"
    console.print(f"[bold]Q:[/] {answer.question}")
    console.print(f"[{style}]{answer.text}[/]")
    if answer.rows and isinstance(answer.rows[0], dict):
        table = Table(show_header=True, header_style="bold")
        columns = list(answer.rows[0])[:8]
        for col in columns:
            table.add_column(col)
        for row in answer.rows[:15]:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        console.print(table)
    cites = ", ".join(f"{k}={v}" for k, v in answer.citations.items() if v)
    console.print(f"[dim]confidence {answer.confidence:.2f} | {cites}[/]")
    for call in answer.tool_calls:
        console.print(f"[dim]tool {call['tool']} {json.dumps(call['args'], default=str)}[/]")
    if show_sql:
        for sql in answer.sql:
            console.print(f"[dim]{sql}[/]")
    console.print()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)[:40]

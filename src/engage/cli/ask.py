"""`engage ask "..."`: a question in plain words, answered from this run's results.

With no question it opens a chat prompt (history with the arrow keys, follow-ups
refer to the previous answer). Imports stay inside the command: answering a
question needs the catalog and the agent, not the pipeline, torch or the API.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from engage.agent.answer import Answer


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)


def ask(
    questions: Annotated[
        list[str] | None, typer.Argument(help="Questions, asked in turn; none opens a chat.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answers as JSON.")] = False,
    show_sql: Annotated[bool, typer.Option("--sql", help="Also print the SQL used.")] = False,
) -> None:
    """Answer questions about the engagement data (follow-ups refer to the previous one)."""
    from engage import bootstrap  # the agent loads only when asked
    from engage.cli.errors import fail
    from engage.ports import SqlError
    from engage.settings import Settings

    session = bootstrap.session(Settings())
    try:
        if not questions:
            _chat(session, show_sql)
            return
        answers = [session.ask(q) for q in questions]
    except SqlError as err:  # no run yet, or a catalog that cannot be opened
        fail(err, 1)
    finally:
        session.close()
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in answers], indent=2, default=str))
        return
    for answer in answers:
        show(answer, show_sql)


def _chat(session: Any, show_sql: bool) -> None:
    """A prompt loop; readline gives line editing and history where the platform has it."""
    with contextlib.suppress(ImportError):  # Windows has no readline
        import readline  # noqa: F401  (enables history for input())
    typer.echo("Ask about this run's customers, models and results. Empty line or 'exit' ends.")
    while True:
        try:
            question = input("ask> ").strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo()
            return
        if question.lower() in ("", "exit", "quit"):
            return
        show(session.ask(question), show_sql)


def citation_lines(citations: dict[str, Any]) -> list[str]:
    """Citations as readable lines: run and model, sources, knowledge-base passages."""
    lines = []
    if citations.get("run_id"):
        when = citations.get("data_timestamp")
        lines.append(f"run {citations['run_id']}, model {citations.get('model_version', '?')}"
                     + (f", data as of {when}" if when else ""))  # fmt: skip
    if citations.get("sources"):
        lines.append("sources: " + ", ".join(citations["sources"]))
    for hit in citations.get("kb") or []:
        lines.append(
            f"kb: {hit['source']} (model {hit['model_version']}, score {hit['score']:.2f})"
        )
    return lines


def show(answer: Answer, show_sql: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    style = "yellow" if answer.refused or answer.intent == "clarify" else "green"
    console.print(f"[bold]Q:[/] {answer.question}")
    console.print(f"[{style}]{answer.text}[/]", highlight=False)
    if answer.rows and isinstance(answer.rows[0], dict) and len(answer.rows) > 1:
        table = Table(show_header=True, header_style="bold")
        columns = list(answer.rows[0])[:8]
        for col in columns:
            table.add_column(col)
        for row in answer.rows[:15]:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        console.print(table)
    console.print(f"[dim]confidence {answer.confidence:.2f}[/]")
    for line in citation_lines(answer.citations):
        console.print(f"[dim]{line}[/]", highlight=False)
    if show_sql:
        for sql in answer.sql:
            console.print(f"[dim]{sql}[/]", highlight=False)
    console.print()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)[:40]

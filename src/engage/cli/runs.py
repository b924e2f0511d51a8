"""`engage runs`: the pipeline's run history (list, or one run in detail)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json, show
from engage.pipeline.history import RunHistory, UnknownRunError

console = Console()
runs_app = typer.Typer(help="List pipeline runs, or show one.", no_args_is_help=False)


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


def _history() -> RunHistory:
    from engage import bootstrap
    from engage.settings import Settings

    return RunHistory(bootstrap.object_store(Settings()))


def _duration(start: str, end: str | None) -> str:
    if not end:
        return "-"
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return f"{seconds:.1f}"


@runs_app.callback(invoke_without_command=True)
def list_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N runs.")] = 20,
    as_json: Annotated[bool, JsonFlag] = False,
) -> None:
    """List runs, newest first (RUNNING with no end time: the run was killed or is going on)."""
    if ctx.invoked_subcommand is not None:
        return
    runs = _history().list_runs()
    if as_json:
        echo_json([
            {"run_id": r.run_id, "status": r.display_status, "started_at": r.started_at,
             "ended_at": r.ended_at, "failed_state": r.failed_state}
            for r in runs[:limit]
        ])  # fmt: skip
        return
    if not runs:
        console.print("No runs yet: `engage run` starts one.")
        return
    table = Table()
    for column in ("Run id", "Status", "Started (UTC)", "Seconds", "Failed state"):
        table.add_column(column, no_wrap=column == "Run id")  # ids stay whole; the rest wraps
    for run in runs[:limit]:
        status = run.display_status
        style = {"SUCCEEDED": "green", "FAILED": "red", "KILLED": "red"}.get(status, "yellow")
        table.add_row(
            run.run_id,
            f"[{style}]{status}[/]",
            run.started_at[:19].replace("T", " "),
            _duration(run.started_at, run.ended_at),
            run.failed_state or "",
        )
    show(console, table)


@runs_app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="A run id from `engage runs`, or `latest`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON record.")] = False,
) -> None:
    """Show one run: every state with timing, attempts and outcome, and the failure if any."""
    history = _history()
    if run_id == "latest":
        runs = history.list_runs()  # newest first
        if not runs:
            fail("no runs yet", hint="`engage run` starts one")
        run_id = runs[0].run_id
    try:
        record = history.get(run_id)
    except UnknownRunError as err:
        fail(err, 1)
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    console.print(f"[bold]{record['run_id']}[/]  {record['status']}  params={record['params']}")
    show(console, _states_table(record["states"]))
    if record.get("error"):
        console.print(f"[red]{record['failed_state']}: {record['error']}[/]\n{record['cause']}")


def _states_table(states: list[dict[str, Any]]) -> Table:
    table = Table("State", "Status", "Attempts", "Seconds", "Error")  # path nesting -> indent
    for state in states:
        duration = state.get("duration_s")
        table.add_row(
            "    " * (state["path"].count("/") // 2) + state.get("name", state["path"]),
            state.get("status", ""),
            str(state.get("attempts", "")),
            f"{duration:.2f}" if duration is not None else "-",
            state.get("error") or "",
        )
    return table

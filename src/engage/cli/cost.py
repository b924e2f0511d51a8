"""`engage cost`: what a run would cost on AWS, from what it measured (and a budget check)."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engage.cli.errors import fail

if TYPE_CHECKING:
    from engage.cost import RunCost
    from engage.settings import Settings

console = Console()


class CostFormat(StrEnum):
    """Output formats: the terminal tables, everything as JSON, Infracost JSON, Markdown."""

    table = "table"
    json = "json"
    infracost = "infracost"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    app.command("cost")(cost_command)


def cost_command(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id [default: latest succeeded].")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when the run's cost exceeds ENGAGE_BUDGET_USD.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the inputs and lines as JSON (--format json).")
    ] = False,
    fmt: Annotated[
        CostFormat,
        typer.Option(
            "--format",
            help="table, json, infracost (Infracost breakdown JSON) or markdown (dashboard).",
        ),
    ] = CostFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the output to this file instead.")
    ] = None,
) -> None:
    """Project the AWS cost of a run: per service, per month, and at 100K-60M customers."""
    from engage import bootstrap
    from engage.cost import run_cost
    from engage.pipeline.history import UnknownRunError
    from engage.settings import Settings

    try:
        settings = Settings()
        cost = run_cost(bootstrap.object_store(settings), settings, run_id)
    except (UnknownRunError, ValueError) as err:
        fail(err, 2)
    fmt = CostFormat.json if as_json else fmt
    if fmt is CostFormat.table:
        print_cost(cost)
    else:
        _emit(render(cost, fmt), out)
    if check and cost.over_budget:
        console.print(f"[red]Over budget:[/] ${cost.total:,.2f} > ${cost.budget_usd:,.2f} per run")
        raise typer.Exit(1)


def render(cost: RunCost, fmt: CostFormat) -> str:
    """The text of a non-table format (imports only the formatter asked for)."""
    if fmt is CostFormat.infracost:
        from engage.cost.infracost import breakdown

        return json.dumps(breakdown(cost), indent=2, default=str)
    if fmt is CostFormat.markdown:
        from engage.cost.dashboard import markdown

        return markdown(cost)
    return json.dumps(to_dict(cost), indent=2, default=str)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    console.print(f"wrote {out}")


def to_dict(cost: RunCost) -> dict[str, object]:
    """Everything behind the figures, for scripts and for tracing a line to its inputs."""
    return {
        "run_id": cost.usage.run_id,
        "rows": cost.usage.rows,
        "usage": asdict(cost.usage),
        "lines": [asdict(line) for line in cost.estimate.lines],
        "total_on_demand_usd": cost.estimate.total("on_demand"),
        "total_spot_usd": cost.estimate.total("spot"),
        "schedule_days": cost.schedule_days,
        "monthly_on_demand_usd": cost.estimate.monthly(cost.schedule_days),
        "monthly_spot_usd": cost.estimate.monthly(cost.schedule_days, "spot"),
        "budget_usd": cost.budget_usd,
        "capacity": cost.capacity,
        "over_budget": cost.over_budget,
        "projections": {
            p.rows: {"on_demand_usd": p.estimate.total(), "spot_usd": p.estimate.total("spot")}
            for p in cost.projections
        },
        "prices": {n: asdict(p) for n, p in cost.prices.prices.items()},
        "fixed_monthly": _fixed_dict(),
    }


def _fixed_dict() -> dict[str, object]:
    from engage.cost.fixed import load_fixed

    fixed = load_fixed()
    return {"monthly_usd": fixed.monthly_usd, "lines": [asdict(line) for line in fixed.lines]}


def print_fixed(schedule_monthly_usd: float) -> None:
    """The stack's fixed monthly costs (engage.cost.fixed) beside the per-run month."""
    from engage.cost.fixed import load_fixed

    fixed = load_fixed()
    table = Table(title="Fixed monthly cost of the deployed stack (infra/terraform, us-east-1)")
    for column in ("Service", "Quantity", "$/month", "Note"):
        table.add_column(column, justify="right" if "$" in column else "left")
    for line in fixed.lines:
        table.add_row(line.service, line.usage, f"{line.on_demand_usd:.2f}", line.inputs["note"])
    table.add_row("[bold]Fixed per month", "", f"[bold]{fixed.monthly_usd:.2f}", "")
    total = fixed.monthly_usd + schedule_monthly_usd
    table.add_row("[bold]Month incl. runs", "(on-demand runs)", f"[bold]{total:.2f}", "")
    console.print(table)


def print_cost(cost: RunCost) -> None:
    """The breakdown, the totals and the projections as tables."""
    est = cost.estimate
    table = Table(title=f"AWS cost of {est.run_id} ({est.rows:,} customers, us-east-1)")
    for column in ("Service", "Measured usage", "On-demand $", "Fargate Spot $"):
        table.add_column(column, justify="right" if "$" in column else "left")
    for line in est.lines:
        table.add_row(line.service, line.usage, f"{line.on_demand_usd:.4f}", f"{line.spot_usd:.4f}")
    table.add_row(
        "[bold]Total per run", "", f"[bold]{est.total():.4f}", f"[bold]{est.total('spot'):.4f}"
    )
    per_month = f"{365.25 / 12 / cost.schedule_days:.2f} runs (every {cost.schedule_days:g} days)"
    table.add_row(
        "Per month",
        per_month,
        f"{est.monthly(cost.schedule_days):.2f}",
        f"{est.monthly(cost.schedule_days, 'spot'):.2f}",
    )
    console.print(table)
    print_fixed(est.monthly(cost.schedule_days))
    scale = Table(
        title="Projection at other customer counts (scaling per stage: engage.cost.projection)"
    )
    for column in ("Customers", "On-demand $/run", "Spot $/run", "On-demand $/month", "Notes"):
        scale.add_column(column, justify="left" if column == "Notes" else "right")
    for p in cost.projections:
        notes = f"{len(p.estimate.warnings)} warning(s), below" if p.estimate.warnings else ""
        scale.add_row(
            f"{p.rows:,}",
            f"{p.estimate.total():.2f}",
            f"{p.estimate.total('spot'):.2f}",
            f"{p.estimate.monthly(cost.schedule_days):.2f}",
            notes,
        )
    console.print(scale)
    for p in cost.projections:
        for warning in p.estimate.warnings:
            console.print(f"[yellow]At {p.rows:,} customers:[/] {warning}")
    verdict = "[red]OVER[/]" if cost.over_budget else "[green]within[/]"
    console.print(
        f"Budget: ${cost.total:.2f} ({cost.capacity}) is {verdict} ${cost.budget_usd:.2f} per run. "
        f"Prices: {cost.prices.region}, dated table (engage cost --json lists sources)."
    )


def summary_line(settings: Settings, run_id: str) -> str:
    """One line for the `engage run` summary; never raises (a cost failure is not a run failure)."""
    from engage import bootstrap
    from engage.cost import run_cost

    try:
        cost = run_cost(bootstrap.object_store(settings), settings, run_id)
    except Exception as err:  # the run succeeded: say why there is no figure
        return escape(f"AWS cost: unavailable ({type(err).__name__}: {err})"[:120])
    verdict = "OVER" if cost.over_budget else "within"
    return (
        f"AWS cost: ${cost.estimate.total():.2f} on-demand / ${cost.estimate.total('spot'):.2f} "
        f"Spot per run, {verdict} ${cost.budget_usd:g} (engage cost)"
    )

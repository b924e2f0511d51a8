"""`engage notify train`: notification timing by reinforcement learning (use case 7).

Lazy like every command: gymnasium and the simulator load only when it runs. Reads the
published customers (or a generated customers.parquet given with --customers), trains
a masked tabular Q-learning policy on the simulator, grades it against fixed noon and
the best single hour on held-out customers, publishes tomorrow's schedule as
`engagement_analytics.notify_schedule` and the report under engagement-reports/notify/.
Not part of `engage run`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json

notify_app = typer.Typer(help="Notification timing: train, grade, schedule.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")


@notify_app.command("train")
def train(
    episodes: Annotated[int, typer.Option("--episodes", min=1, help="Training episodes.")] = 6000,
    eval_customers: Annotated[
        int, typer.Option("--eval-customers", min=1, help="Held-out customers graded.")
    ] = 2000,
    days: Annotated[int, typer.Option("--days", min=1, help="Local days per episode.")] = 2,
    schedule_date: Annotated[
        str | None, typer.Option("--date", help="Schedule day YYYY-MM-DD (default: tomorrow).")
    ] = None,
    customers: Annotated[
        Path | None,
        typer.Option("--customers", help="A customers.parquet instead of the lake's customers."),
    ] = None,
    as_json: Annotated[bool, JsonFlag] = False,
) -> None:
    """Train the timing policy, grade it with violations counted, publish tomorrow's schedule."""
    from engage import bootstrap
    from engage.analytics import notify
    from engage.analytics.notify_sim import SimulatorInputError
    from engage.settings import Settings

    settings = Settings()
    store = bootstrap.object_store(settings)
    frame = _customers(store, customers)
    cfg = notify.NotifyConfig(
        episodes, eval_customers, days, seed=settings.seed, schedule_date=_day(schedule_date)
    )
    try:
        result = notify.train_and_grade(frame, cfg)
    except (SimulatorInputError, ValueError) as err:
        fail(err, 2, "check the customers table against `engage contract`")
    report = result.report | _publish(settings, store, result)
    if as_json:
        echo_json(report)
        return
    _print(report)


def _customers(store: Any, path: Path | None) -> Any:
    import pandas as pd

    from engage import lake

    if path is not None:
        if not path.is_file():
            fail(f"no file {path}", 2, "give a customers.parquet written by `engage generate`")
        return pd.read_parquet(path)
    if not store.list(lake.RAW_CUSTOMERS):
        fail("no customers in the lake", 2, "run `engage run` first, or pass --customers")
    return store.read_parquet(lake.RAW_CUSTOMERS).to_pandas()


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--date {text!r} is not YYYY-MM-DD", 2)
    return None


def _publish(settings: Any, store: Any, result: Any) -> dict[str, Any]:
    """Stage and swap the schedule, register it, save the report; say where they went."""
    from engage import lake
    from engage.cli.registration import register_published
    from engage.lake import TableName

    with lake.staged(store, TableName.NOTIFY_SCHEDULE, lake.NOTIFY_SCHEDULE) as staging:
        store.write_parquet(staging + "part-0.parquet", result.schedule)
    registered = register_published(settings, TableName.NOTIFY_SCHEDULE, lake.NOTIFY_SCHEDULE)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"{lake.NOTIFY_REPORTS}{stamp}.json"
    store.put_bytes(key, json.dumps(result.report, indent=2, default=str).encode())
    return {
        "table": str(TableName.NOTIFY_SCHEDULE),
        "table_uri": store.uri(lake.NOTIFY_SCHEDULE),
        "registered": registered,
        "report_uri": store.uri(key),
    }


def _print(report: dict[str, Any]) -> None:
    typer.echo(
        f"notify: {report['customers']} customers ({report['opted_out']} opted out, "
        f"{report['opt_out_source']}); trained {report['training']['episodes']} episodes on "
        f"{report['train_customers']}, graded on held-out customers"
    )
    for row in report["evaluation"]:
        v = row["violations"]
        typer.echo(
            f"  {row['policy']:<18} reward/customer-day {row['reward_per_customer_day']:.4f}  "
            f"engagement rate {row['engagement_rate']:.2%}  notifications {row['notifications']}  "
            f"unsubscribes {row['unsubscribes']}  violations {v['total']}"
        )
    typer.echo(
        f"  lift over noon {_pct(report['lift_over_noon'])} "
        f"(95% CI {_ci(report['lift_over_noon_95ci'])}), over the best single hour "
        f"({report['best_single_hour']['hour']:02d}:00) {_pct(report['lift_over_best_hour'])} "
        f"(95% CI {_ci(report['lift_over_best_hour_95ci'])})"
    )
    adv = report["adversarial_3am"]
    typer.echo(
        f"  constraint violations: {report['violations_total']}; 03:00 requests refused "
        f"{adv['refused']}/{adv['attempts']}"
    )
    state = "registered" if report["registered"] else "catalog busy: not yet registered"
    typer.echo(
        f"  schedule for {report['schedule']['date']}: {report['schedule']['rows']} sends in "
        f"{report['table']} ({state})"
    )
    typer.echo(f"  report: {report['report_uri']}")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _ci(bounds: list[float] | None) -> str:
    return "n/a" if bounds is None else f"{bounds[0]:+.1%} to {bounds[1]:+.1%}"

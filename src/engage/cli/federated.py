"""`engage federated`: FedAvg over simulated devices vs central training (use case 9).

Not part of `engage run`: it reads the published run's processed training and test
splits, trains the churn model centrally and by FedAvg (plain, secure aggregation,
differential privacy), writes the report beside the run's reports and the
federated_results table, and prints the figures. numpy/pandas load only when it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json


def register(app: typer.Typer) -> None:
    app.command("federated")(federated)


def federated(
    rounds: Annotated[int, typer.Option("--rounds", min=1, help="FedAvg rounds.")] = 100,
    max_device_rows: Annotated[
        int, typer.Option("--max-device-rows", min=1, help="Most customers on one device.")
    ] = 2000,
    epsilon: Annotated[
        list[float] | None,
        typer.Option("--epsilon", help="DP arm(s) at this epsilon (repeatable) [8, 2]."),
    ] = None,
    dp_rounds: Annotated[int, typer.Option("--dp-rounds", min=1, help="DP arm rounds.")] = 15,
    as_json: Annotated[bool, JsonFlag] = False,
) -> None:
    """Train the churn model by federated averaging and compare it with central training."""
    from engage import bootstrap, lake
    from engage.analytics.federated import experiment, publish
    from engage.cli.registration import register_published
    from engage.cost.runcost import latest_succeeded
    from engage.lake import TableName
    from engage.pipeline.history import RunHistory, UnknownRunError
    from engage.settings import Settings

    settings = Settings()
    store = bootstrap.object_store(settings)
    try:
        run_id = latest_succeeded(RunHistory(store))
        train, test = publish.read_splits(store)
    except (UnknownRunError, FileNotFoundError) as err:
        fail(err, 2, "run `engage run` first; the experiment reads the published splits")
    params = experiment.ExperimentParams(
        seed=settings.seed,
        max_device_rows=max_device_rows,
        rounds=rounds,
        dp_epsilons=tuple(epsilon) if epsilon else (8.0, 2.0),
        dp_rounds=dp_rounds,
    )
    try:
        report = experiment.run(train, test, params)
    except (KeyError, ValueError) as err:
        fail(err, 2)
    report["run_id"] = run_id
    report["written"] = publish.save(store, report, run_id)
    report["registered"] = register_published(settings, TableName.FEDERATED_RESULTS, lake.FEDERATED)
    if as_json:
        echo_json(report)
        return
    typer.echo(experiment.markdown(report), nl=False)
    for kind, uri in report["written"].items():
        typer.echo(f"wrote {kind}: {uri}")
    state = "registered" if report["registered"] else "catalog busy: not yet registered"
    typer.echo(f"table {TableName.FEDERATED_RESULTS}: {state}")

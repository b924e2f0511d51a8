"""`engage task <stage>`: run one pipeline stage the way the Fargate container does.

Reads the same contract as `python -m engage.stages.container`: the execution input
as JSON in ENGAGE_EVENT (or `--event`), settings from ENGAGE_* variables; prints the
stage's summary as JSON and exits 1 if the stage failed, 2 on bad input.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("task")(task)


def task(
    stage: Annotated[str, typer.Argument(help="Stage name, e.g. inference, churn-training.")],
    event: Annotated[
        str | None, typer.Option("--event", help="Execution input JSON (else ENGAGE_EVENT).")
    ] = None,
) -> None:
    """Run one stage from the ECS task environment (ENGAGE_EVENT) and print its summary."""
    from engage.stages import container

    changes = {"ENGAGE_STAGE": stage}
    if event is not None:
        changes[container.EVENT_VARIABLE] = event
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        code = container.main()
    finally:  # leave the caller's environment as it was (tests, an embedding process)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    raise typer.Exit(code)

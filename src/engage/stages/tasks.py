"""Task name -> stage: the one table that ties the pipeline definition to the code.

Task names are what `engage.pipeline.asl.task_name` derives from each Task state
(Lambda function or ECS task family, without prefix and suffix). Lambda tasks get
the state input as their event; ECS tasks get the RunTask parameters, whose
container environment carries the execution input in ENGAGE_EVENT, exactly what
the Fargate container reads on AWS (see `engage.stages.container`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from engage.stages import (
    data_prep,
    data_validation,
    ensemble,
    forecast,
    inference,
    knowledge_base,
    network_analysis,
    next_best_action,
    pre_cleanup,
    premium_uplift,
    qa_table,
    results_table,
    segmentation,
    sentiment,
    shard_merge,
    train,
)
from engage.stages.errors import StageError
from engage.stages.services import Services


class Stage(Protocol):
    """A stage module (or object shaped like one): `run(event, services)` does the work."""

    __name__: str

    def run(self, event: Mapping[str, Any], services: Services) -> Any: ...


STAGES: dict[str, Stage] = {
    "pre-cleanup": pre_cleanup,
    "data-prep": data_prep,
    **train.STAGES,
    "data-validation": data_validation,
    "segmentation": segmentation,
    "premium-uplift": premium_uplift,
    "inference": inference,
    "merge-shard-scores": shard_merge,
    "ensemble-predictions": ensemble,
    "create-qa-table": qa_table,
    "create-results-table": results_table,
    "update-knowledge-base": knowledge_base,
    "network-analysis": network_analysis,
    "sentiment-scoring": sentiment,
    "next-best-action": next_best_action,
    "engagement-forecast": forecast,
}
EVENT_VARIABLE = "ENGAGE_EVENT"


def event_from_task_input(task_input: Any) -> dict[str, Any]:
    """The stage event: a Lambda's input as is, or ENGAGE_EVENT out of ECS RunTask parameters."""
    if not isinstance(task_input, Mapping):
        raise StageError(f"task input must be a JSON object, got {type(task_input).__name__}")
    overrides = task_input.get("Overrides", {}).get("ContainerOverrides")
    if not overrides:
        return dict(task_input)
    for override in overrides:
        for variable in override.get("Environment", []):
            if variable.get("Name") == EVENT_VARIABLE:
                return json.loads(variable["Value"])
    raise StageError(f"ECS task parameters carry no {EVENT_VARIABLE} environment variable")


def local_tasks(services: Services) -> dict[str, Callable[[Any], Any]]:
    """Callables for LocalRunner: every stage bound to one shared Services."""

    def bind(module: Stage) -> Callable[[Any], Any]:
        def task(task_input: Any) -> Any:
            return module.run(event_from_task_input(task_input), services)

        task.__name__ = module.__name__.rsplit(".", 1)[-1]
        return task

    return {name: bind(module) for name, module in STAGES.items()}

"""The pipeline definition: load, render placeholders, validate, name its tasks.

The pipeline is written once, as Amazon States Language JSON with `${...}`
placeholders for everything account-specific. `render` fills them in for the
local runner (`local_values`) or for a real deployment; `task_name` gives each
Task state the logical name (`training`, `data-prep`, ...) that both the local
task mapping and the deployed Lambda/ECS resources are keyed by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from engage.pipeline.validate import DefinitionError, validate

__all__ = [
    "ITEM",
    "DefinitionError",
    "PlaceholderError",
    "iter_states",
    "load_definition",
    "local_values",
    "placeholders",
    "render",
    "task_name",
    "task_names",
    "validate",
]

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
PREFIX_PLACEHOLDER = "${Prefix}"


class PlaceholderError(KeyError):
    """A `${Name}` placeholder has no value (or a list value inside a longer string)."""

    def __str__(self) -> str:
        return str(self.args[0])


def load_definition(path: str | Path | None = None) -> dict[str, Any]:
    """Read a definition; by default the one packaged with engage (unrendered)."""
    if path is None:
        text = resources.files("engage.pipeline").joinpath("definition.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return json.loads(text)


def local_values() -> dict[str, str | list[str]]:
    """Placeholder values for running on a laptop (LocalStack-style account and region)."""
    return {
        "AccountId": "000000000000",
        "Region": "us-east-1",
        "Prefix": "",
        "EcsCluster": "engagement-ml-cluster",
        "Subnets": ["subnet-local"],
        "SecurityGroups": ["sg-local"],
        # where the ScoreShards Map's ResultWriter writes (a local lake: bucket = first
        # key segment); a run on an S3 lake passes the lake's own (engage.orchestrate)
        "ShardResultsBucket": "engagement-data",
        "ShardResultsPrefix": "processed/inference_shards/results",
    }


def placeholders(definition: Any) -> set[str]:
    """Every placeholder name the definition uses, so a deployer can check it has them all."""
    if isinstance(definition, dict):
        return set().union(*(placeholders(v) for v in definition.values()))
    if isinstance(definition, list):
        return set().union(*(placeholders(v) for v in definition))
    if isinstance(definition, str):
        return set(_PLACEHOLDER.findall(definition))
    return set()


def _render_string(text: str, values: Mapping[str, Any], where: str) -> Any:
    whole = _PLACEHOLDER.fullmatch(text)
    if whole is not None and whole.group(1) in values:
        return values[whole.group(1)]

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PlaceholderError(f"unknown placeholder ${{{name}}} at {where}")
        if not isinstance(values[name], str):
            raise PlaceholderError(f"placeholder ${{{name}}} at {where} is not a string")
        return values[name]

    return _PLACEHOLDER.sub(substitute, text)


def render(definition: Any, values: Mapping[str, str | list[str]], where: str = "$") -> Any:
    """Copy of `definition` with every `${Name}` replaced by `values[Name]`.

    A string that is exactly one placeholder takes the value as is, so
    `"Subnets": "${Subnets}"` can become a JSON list. Unknown names raise
    `PlaceholderError` naming the placeholder and where it is.
    """
    if isinstance(definition, dict):
        return {k: render(v, values, f"{where}.{k}") for k, v in definition.items()}
    if isinstance(definition, list):
        return [render(v, values, f"{where}[{i}]") for i, v in enumerate(definition)]
    if isinstance(definition, str):
        return _render_string(definition, values, where)
    return definition


ITEM = "*"  # path segment of a Map's item processor states: `Map/*/State`


def iter_states(machine: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str, dict]]:
    """Yield (path, name, state) for every state, depth-first into Parallel branches and
    Map item processors (`Map/*/State`; at run time `*` is the item's index)."""
    for name, state in machine.get("States", {}).items():
        yield f"{prefix}{name}", name, state
        for index, branch in enumerate(state.get("Branches", [])):
            yield from iter_states(branch, f"{prefix}{name}/{index}/")
        if state.get("Type") == "Map":
            item_processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield from iter_states(item_processor, f"{prefix}{name}/{ITEM}/")


def _strip(name: str, prefix: str, suffix: str) -> str:
    for head in (prefix, PREFIX_PLACEHOLDER):
        if head and name.startswith(head):
            name = name[len(head) :]
            break
    return name[: -len(suffix)] if name.endswith(suffix) else name


def _lambda_function(reference: str) -> str:
    if ":function:" in reference:
        return reference.split(":function:", 1)[1].split(":")[0]
    return reference.split(":")[0]


def task_name(state: Mapping[str, Any], prefix: str = "") -> str:
    """Logical name of a Task state's work, e.g. `pre-cleanup` or `training`.

    Lambda function names lose `prefix` (or the literal `${Prefix}`) and
    `-lambda`; ECS task definition families lose `prefix` and `-task`.
    """
    resource = str(state.get("Resource", ""))
    params = state.get("Parameters") or {}
    if resource.startswith("arn:aws:states:::ecs:runTask"):
        family = str(params.get("TaskDefinition", ""))
        family = family.split("task-definition/")[-1].split(":")[0]
        return _strip(family, prefix, "-task")
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        return _strip(_lambda_function(str(params.get("FunctionName", ""))), prefix, "-lambda")
    if resource.startswith("arn:aws:lambda:") and ":function:" in resource:
        return _strip(_lambda_function(resource), prefix, "-lambda")
    raise ValueError(f"cannot derive a task name from Resource {resource!r}")


def task_names(definition: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Logical names of every Task state, in definition order."""
    return [
        task_name(state, prefix)
        for _, _, state in iter_states(definition)
        if state.get("Type") == "Task"
    ]

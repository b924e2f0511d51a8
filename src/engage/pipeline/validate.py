"""Structural checks of a state machine, run before anything executes or deploys.

AWS rejects a broken definition at deploy time; the local runner would only
stumble on it mid-run. Checking up front gives the same early, named errors on
the laptop: a missing target, an unreachable state or a branch that never ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
_TERMINAL_TYPES = {"Succeed", "Fail"}
_MAP_MODES = {"INLINE", "DISTRIBUTED"}
_DISTRIBUTED_ONLY = (
    "ItemReader",
    "ResultWriter",
    "ToleratedFailurePercentage",
    "ToleratedFailureCount",
)


class DefinitionError(ValueError):
    """The definition is not a valid state machine; `problems` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(problems))
        self.problems = problems


def _targets(state: Mapping[str, Any]) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice.get("Next") for choice in state.get("Choices", [])]
    targets += [catcher.get("Next") for catcher in state.get("Catch", [])]
    return targets


def _check_state(name: str, state: Mapping[str, Any], where: str) -> list[str]:
    kind = state.get("Type")
    if kind not in STATE_TYPES:
        return [f"{where}{name}: unknown Type {kind!r}"]
    problems = []
    if kind == "Choice":
        if not state.get("Choices"):
            problems.append(f"{where}{name}: Choice state needs Choices")
    elif kind not in _TERMINAL_TYPES and ("Next" in state) == bool(state.get("End")):
        problems.append(f"{where}{name}: needs exactly one of Next or End")
    if kind == "Parallel" and not state.get("Branches"):
        problems.append(f"{where}{name}: Parallel state needs Branches")
    if kind == "Map":
        problems += [f"{where}{name}: {problem}" for problem in _map_problems(state)]
    return problems


def _item_processor(state: Mapping[str, Any]) -> Any:
    return state.get("ItemProcessor", state.get("Iterator"))


# field -> (accepts only integers, upper bound, what the error says it must be)
_MAP_NUMBERS: dict[str, tuple[bool, float | None, str]] = {
    "MaxConcurrency": (True, None, "an integer >= 0"),
    "ToleratedFailureCount": (True, None, "an integer >= 0"),
    "ToleratedFailurePercentage": (False, 100, "a number from 0 to 100"),
}


def _number_ok(value: Any, integer: bool, high: float | None) -> bool:
    kinds = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kinds):
        return False
    return value >= 0 and (high is None or value <= high)


def _mode_problems(state: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    mode = config.get("Mode", "INLINE")
    if mode not in _MAP_MODES:
        return [f"ProcessorConfig.Mode {mode!r} is not INLINE or DISTRIBUTED"]
    if mode == "INLINE":
        return [
            f"{key} needs ProcessorConfig.Mode DISTRIBUTED"
            for key in _DISTRIBUTED_ONLY
            if key in state
        ]
    if config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
        return ["a DISTRIBUTED Map needs ProcessorConfig.ExecutionType STANDARD or EXPRESS"]
    return []


def _map_problems(state: Mapping[str, Any]) -> list[str]:
    """What a Map state lacks or gets wrong, outside its item processor's own states."""
    processor = _item_processor(state)
    if not isinstance(processor, Mapping) or "States" not in processor:
        return ["Map state needs an ItemProcessor with StartAt and States"]
    problems = _mode_problems(state, processor.get("ProcessorConfig") or {})
    problems += [
        f"{key} must be {what}"
        for key, (integer, high, what) in _MAP_NUMBERS.items()
        if key in state and not _number_ok(state[key], integer, high)
    ]
    problems += [
        f"{key} needs an S3 Resource (arn:aws:states:::s3:...)"
        for key in ("ItemReader", "ResultWriter")
        if key in state
        and not str((state[key] or {}).get("Resource", "")).startswith("arn:aws:states:::s3:")
    ]
    if "ItemReader" in state and "ItemsPath" in state:
        problems.append("ItemsPath cannot be used with an ItemReader")
    if "ItemSelector" in state and "Parameters" in state:
        problems.append("ItemSelector and Parameters are exclusive (Parameters is its old name)")
    return problems


def _reachable(machine: Mapping[str, Any]) -> set[str]:
    states = machine["States"]
    seen, todo = set(), [machine["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(_targets(states[name]))
    return seen


def _check_machine(machine: Mapping[str, Any], where: str) -> list[str]:
    states = machine.get("States") or {}
    start = machine.get("StartAt")
    if start not in states:
        return [f"{where}StartAt {start!r} is not a state"]
    problems: list[str] = []
    for name, state in states.items():
        problems += _check_state(name, state, where)
        problems += [
            f"{where}{name}: target {target!r} is not a state"
            for target in _targets(state)
            if target not in states
        ]
        for index, branch in enumerate(state.get("Branches", [])):
            problems += _check_machine(branch, f"{where}{name}/{index}/")
        if state.get("Type") == "Map" and isinstance(_item_processor(state), Mapping):
            problems += _check_machine(_item_processor(state), f"{where}{name}/*/")
    reachable = _reachable(machine)
    problems += [
        f"{where}{name}: unreachable from StartAt" for name in states if name not in reachable
    ]
    if not any(s.get("End") or s.get("Type") in _TERMINAL_TYPES for s in states.values()):
        problems.append(f"{where}: no terminal state (End, Succeed or Fail)")
    return problems


def validate(definition: Mapping[str, Any]) -> None:
    """Raise `DefinitionError` naming every broken state; return quietly if the machine is sound.

    Checks: StartAt exists; every Next/Default/Choice/Catch target exists in
    its own scope; every state is reachable; each (sub-)machine can terminate;
    non-terminal states have exactly one of Next/End. Branches are checked
    recursively and named `Parallel/<index>/State`; a Map's item processor is
    checked the same way as `Map/*/State` (its states can reach only each other),
    and the Map's own fields (mode, concurrency, tolerance, reader and writer).
    """
    problems = _check_machine(definition, "")
    if problems:
        raise DefinitionError(problems)

"""Structural checks of a state machine, run before anything executes or deploys.

AWS rejects a broken definition at deploy time; the local runner would only
stumble on it mid-run. Checking up front gives the same early, named errors on
the laptop: a missing target, an unreachable state or a branch that never ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel"}
_TERMINAL_TYPES = {"Succeed", "Fail"}


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
    recursively and named `Parallel/<index>/State`.
    """
    problems = _check_machine(definition, "")
    if problems:
        raise DefinitionError(problems)

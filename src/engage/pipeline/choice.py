"""Choice-state rules: comparison operators, type tests and And/Or/Not.

A comparison whose value has the wrong type is false, as in AWS; a rule whose
`Variable` is absent is a `States.Runtime` error (use `IsPresent` to test first).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from engage.pipeline.errors import NO_CHOICE, StatesError, runtime_error
from engage.pipeline.paths import get_path, has_path

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


_KINDS: dict[str, Callable[[Any], Any]] = {
    "String": lambda v: v if isinstance(v, str) else None,
    "Numeric": lambda v: v if _is_number(v) else None,
    "Boolean": lambda v: v if isinstance(v, bool) else None,
    "Timestamp": _timestamp,
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsString": lambda v: isinstance(v, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: isinstance(v, str) and _timestamp(v) is not None,
}

_OPS = {kind + order for kind in _KINDS for order in _ORDER} | {"StringMatches"}


def _matches(value: str, pattern: str) -> bool:
    parts = re.split(r"(?<!\\)\*", pattern)
    regex = ".*".join(re.escape(p.replace("\\*", "*")) for p in parts)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _compare(op: str, value: Any, expected: Any) -> bool:
    if op == "StringMatches":
        return isinstance(value, str) and _matches(value, expected)
    kind = next(k for k in _KINDS if op.startswith(k))
    left, right = _KINDS[kind](value), _KINDS[kind](expected)
    if left is None or right is None:
        return False
    return _ORDER[op[len(kind) :]](left, right)


def evaluate(rule: Mapping[str, Any], data: Any) -> bool:
    """Truth of one Choice rule against the state's effective input."""
    if "And" in rule:
        return all(evaluate(r, data) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate(r, data) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data)
    variable = rule["Variable"]
    if "IsPresent" in rule:
        return has_path(data, variable) == rule["IsPresent"]
    value = get_path(data, variable)
    for op, expected in rule.items():
        if op in _TYPE_TESTS:
            return _TYPE_TESTS[op](value) == expected
        if op.endswith("Path") and op[:-4] in _OPS:
            return _compare(op[:-4], value, get_path(data, expected))
        if op in _OPS:
            return _compare(op, value, expected)
    raise runtime_error(f"Choice rule on {variable!r} has no known comparison operator")


def choose(state: Mapping[str, Any], data: Any) -> str:
    """Name of the next state: the first matching choice's `Next`, else `Default`."""
    for rule in state.get("Choices", []):
        if evaluate(rule, data):
            return rule["Next"]
    if "Default" in state:
        return state["Default"]
    raise StatesError(NO_CHOICE, "no Choice rule matched and there is no Default")

"""Reference paths and payload templates of Amazon States Language (JSONPath dialect).

Only the subset ASL allows in `InputPath`, `ResultPath`, `OutputPath` and `.$`
fields is needed: `$`, `$.a.b`, `$.a[0]`, `$['a b']` and the context object
`$$.Execution.Id`. A dependency-free evaluator keeps the runner's semantics in
one readable place.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from engage.pipeline.errors import runtime_error

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]")
_MISSING = object()


def parse_path(path: str) -> tuple[bool, list[str | int]]:
    """Split a reference path into (is_context_object, steps); raise States.Runtime if malformed."""
    is_context = path.startswith("$$")
    rest = path[2:] if is_context else path[1:]
    if not path.startswith("$"):
        raise runtime_error(f"invalid path {path!r}: must start with '$'")
    steps: list[str | int] = []
    pos = 0
    while pos < len(rest):
        match = _STEP.match(rest, pos)
        if match is None:
            raise runtime_error(f"invalid path {path!r} at {rest[pos:]!r}")
        name, index, quoted = match.groups()
        steps.append(int(index) if index is not None else (name if name is not None else quoted))
        pos = match.end()
    return is_context, steps


def _walk(data: Any, steps: list[str | int]) -> Any:
    node = data
    for step in steps:
        in_list = isinstance(step, int) and isinstance(node, list) and step < len(node)
        in_object = isinstance(step, str) and isinstance(node, Mapping) and step in node
        if not (in_list or in_object):
            return _MISSING
        node = node[step]
    return node


def get_path(data: Any, path: str, context: Mapping[str, Any] | None = None) -> Any:
    """Value at `path` in `data` (or in `context` for `$$.` paths); States.Runtime if absent."""
    is_context, steps = parse_path(path)
    value = _walk(context if is_context else data, steps)
    if value is _MISSING:
        raise runtime_error(f"path {path!r} does not match any field of the input")
    return value


def has_path(data: Any, path: str) -> bool:
    """Whether `path` resolves in `data`; the `IsPresent` Choice test."""
    is_context, steps = parse_path(path)
    return not is_context and _walk(data, steps) is not _MISSING


def select(data: Any, path: str | None) -> Any:
    """Apply an `InputPath` / `OutputPath`: None means an empty object, as in AWS."""
    if path is None:
        return {}
    return get_path(data, path)


def set_result(data: Any, path: str | None, result: Any) -> Any:
    """Apply a `ResultPath`: `$` replaces, `$.a.b` inserts (creating parents), None discards."""
    if path is None:
        return data
    is_context, steps = parse_path(path)
    if is_context or any(isinstance(step, int) for step in steps):
        raise runtime_error(f"ResultPath {path!r} may only name object fields")
    if not steps:
        return result
    if not isinstance(data, dict):
        raise runtime_error(f"ResultPath {path!r} needs an object input, got {type(data).__name__}")
    out = copy.copy(data)
    node = out
    for step in steps[:-1]:
        child = node.get(step)
        child = copy.copy(child) if isinstance(child, dict) else {}
        node[step] = child
        node = child
    node[steps[-1]] = result
    return out

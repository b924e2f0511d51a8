"""Payload templates and intrinsic functions (`States.Format`, `States.JsonToString`, ...).

The pipeline definition hands the execution input to its Fargate containers with
`"Value.$": "States.JsonToString($$.Execution.Input)"`; the local runner must
evaluate that expression exactly as AWS does, so the same definition runs in both.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from engage.pipeline.errors import runtime_error
from engage.pipeline.paths import get_path


def _to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _format(template: str, *args: Any) -> str:
    parts = re.split(r"(?<!\\)\{\}", template)
    if len(parts) != len(args) + 1:
        raise runtime_error(f"States.Format: {len(parts) - 1} placeholders, {len(args)} values")
    text = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        text += [arg if isinstance(arg, str) else _to_json(arg), part]
    return "".join(text).replace("\\{", "{").replace("\\}", "}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.JsonToString": _to_json,
    "States.StringToJson": json.loads,
    "States.Array": lambda *items: list(items),
    "States.ArrayLength": len,
    "States.ArrayGetItem": lambda items, index: items[index],
    "States.MathAdd": lambda a, b: a + b,
    "States.UUID": lambda: str(uuid.uuid4()),
}

_NAME = re.compile(r"States\.[A-Za-z]+")
_LITERAL = re.compile(r"-?\d+(\.\d+)?|true|false|null")


class _Parser:
    """Recursive-descent parser for one intrinsic call; evaluates while it parses."""

    def __init__(self, text: str, data: Any, context: Mapping[str, Any]) -> None:
        self.text, self.pos, self.data, self.context = text, 0, data, context

    def fail(self, why: str) -> Exception:
        return runtime_error(f"intrinsic {self.text!r}: {why} at position {self.pos}")

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def call(self) -> Any:
        match = _NAME.match(self.text, self.pos)
        if match is None or match.group() not in FUNCTIONS:
            raise self.fail("unknown function")
        self.pos = match.end()
        if self.text[self.pos : self.pos + 1] != "(":
            raise self.fail("expected '('")
        self.pos += 1
        args: list[Any] = []
        self.skip_spaces()
        while self.text[self.pos : self.pos + 1] != ")":
            args.append(self.argument())
            self.skip_spaces()
            if self.text[self.pos : self.pos + 1] == ",":
                self.pos += 1
                self.skip_spaces()
            elif self.text[self.pos : self.pos + 1] != ")":
                raise self.fail("expected ',' or ')'")
        self.pos += 1
        try:
            return FUNCTIONS[match.group()](*args)
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise self.fail(f"{type(exc).__name__}: {exc}") from exc

    def argument(self) -> Any:
        head = self.text[self.pos : self.pos + 1]
        if head == "'":
            return self.string()
        if head == "$":
            return self.path()
        if self.text.startswith("States.", self.pos):
            return self.call()
        match = _LITERAL.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected an argument")
        self.pos = match.end()
        return json.loads(match.group())

    def string(self) -> str:
        out, self.pos = [], self.pos + 1
        while self.pos < len(self.text) and self.text[self.pos] != "'":
            char = self.text[self.pos]
            if char == "\\" and self.text[self.pos + 1 : self.pos + 2] in ("'", "\\"):
                self.pos += 1
                char = self.text[self.pos]
            out.append(char)
            self.pos += 1
        if self.pos >= len(self.text):
            raise self.fail("unterminated string")
        self.pos += 1
        return "".join(out)

    def path(self) -> Any:
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in ",)" and depth == 0:
                break
            depth += {"[": 1, "]": -1}.get(char, 0)
            self.pos += 1
        return get_path(self.data, self.text[start : self.pos].strip(), self.context)


def evaluate_value(expr: Any, data: Any, context: Mapping[str, Any]) -> Any:
    """Value of a `.$` field: a reference path or an intrinsic function call."""
    if isinstance(expr, str) and expr.startswith("States."):
        parser = _Parser(expr, data, context)
        value = parser.call()
        if parser.pos != len(expr.rstrip()):
            raise parser.fail("unexpected trailing text")
        return value
    if isinstance(expr, str) and expr.startswith("$"):
        return get_path(data, expr, context)
    raise runtime_error(f"a '.$' field needs a path or an intrinsic function, got {expr!r}")


def resolve_template(template: Any, data: Any, context: Mapping[str, Any]) -> Any:
    """Evaluate a `Parameters` / `ResultSelector` template.

    Keys ending in `.$` take their value from a path (against `data`, or the
    context object for `$$.`) or from an intrinsic function; other values are
    copied, recursing into objects and lists.
    """
    if isinstance(template, list):
        return [resolve_template(item, data, context) for item in template]
    if not isinstance(template, dict):
        return template
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key.endswith(".$"):
            out[key[:-2]] = evaluate_value(value, data, context)
        else:
            out[key] = resolve_template(value, data, context)
    return out

"""The Bedrock agent's action-group Lambda: function-details events in, tool results out.

Bedrock Agents invoke this handler with
`{"messageVersion", "actionGroup", "function", "parameters": [{name, type, value}], ...}`
and expect `{"messageVersion": "1.0", "response": {"actionGroup", "function",
"functionResponse": {"responseBody": {"TEXT": {"body": "<json>"}}}}}` back.

`FUNCTIONS` is the action group's function schema (infra/terraform/modules/ai declares
the same names and parameters; a test keeps them in step). Each function maps onto one
of the agent's tools (`engage.agent.tools.Tools`), so free-form SQL still goes through
`sql_guard` (SELECT only, allow-listed schemas, row limit). An unknown function, a
missing or malformed parameter, a refused statement or a failing tool is answered as
`{"error": ...}` with `responseState: "REPROMPT"`, never raised: an exception would
surface to the user as a generic agent failure.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from engage.ports import SqlError
from engage.settings import Settings

log = logging.getLogger(__name__)

MAX_ROWS = 50  # rows returned to the model per call
MAX_BODY = 20_000  # characters; Bedrock caps a Lambda's response at 25 KB


class InvalidParameters(ValueError):
    """The event names an unknown function or carries parameters it cannot honour."""


@dataclass(frozen=True)
class Param:
    """One function parameter: its tool argument, Bedrock type, and allowed values."""

    arg: str
    type: str  # string | integer | number | boolean | array (Bedrock's parameter types)
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function:
    tool: str
    description: str
    params: dict[str, Param] = field(default_factory=dict)


_MODELS = ("engagement", "churn", "ltv", "recommendation", "anomaly")
_FILTERS = Param("filters", "array", 'JSON list of [column, op, value], e.g. [["age", ">", 40]]')
FUNCTIONS: dict[str, Function] = {
    "query_athena": Function(
        "run_sql",
        "Run one read-only SELECT over the engagement tables",
        {"sql_query": Param("sql", "string", "A SELECT statement (Athena SQL)", required=True)},
    ),
    "feature_stats": Function(
        "feature_stats",
        "Summary statistics (count, missing, mean, std, min, median, max) per numeric feature",
        {
            "features": Param("features", "array", "Feature names; all model features if omitted"),
            "filters": _FILTERS,
        },
    ),
    "explain_customer": Function(
        "explain_customer",
        "Stored engagement prediction and its top SHAP features for one customer",
        {"customer_id": Param("customer_id", "string", "The customer id", required=True)},
    ),
    "model_metrics": Function(
        "model_metrics",
        "Train, validation and test metrics of a model's latest version",
        {"model": Param("model", "string", "Model name (default engagement)", enum=_MODELS)},
    ),
    "feature_importance": Function(
        "feature_importance",
        "Mean absolute SHAP per feature of a model's latest version: the top or bottom k",
        {
            "model": Param("model", "string", "Model name (default engagement)", enum=_MODELS),
            "k": Param("k", "integer", "How many features (default 5)"),
            "order": Param(
                "order", "string", "top or bottom (default top)", enum=("top", "bottom")
            ),
        },
    ),
    "compare_segments": Function(
        "compare_segments",
        "Mean of a metric and customer count per segment (a column or a named bucketing)",
        {
            "by": Param("by", "string", "Column or named segment to group by", required=True),
            "metric": Param("metric", "string", "Numeric column (default the engagement score)"),
            "filters": _FILTERS,
        },
    ),
}

_TOOLS: Any = None


def _tools() -> Any:
    """One Tools per Lambda container, reused by warm invocations."""
    global _TOOLS
    if _TOOLS is None:
        from engage import bootstrap  # a Lambda handler: an entry point, so it composes

        _TOOLS = bootstrap.tools(Settings())
    return _TOOLS


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Bedrock Agents action-group entry point (function-details events)."""
    return handle(event, _tools())


def handle(event: dict[str, Any], tools: Any) -> dict[str, Any]:
    """Answer one action-group event with `tools`; never raises."""
    event = event if isinstance(event, dict) else {}
    name = str(event.get("function") or "")
    try:
        function, args = _arguments(event)
        result = tools.call(function.tool, args)
    except InvalidParameters as err:
        return _response(event, {"error": str(err), "function": name}, reprompt=True)
    except (ValueError, SqlError, TypeError) as err:  # ToolError, UnsafeSqlError, bad SQL
        return _response(event, {"error": str(err), "function": name}, reprompt=True)
    except Exception as err:  # the agent must get an answer, not a crash
        log.exception("action %s failed", name)
        body = {"error": f"{type(err).__name__}: the tool failed", "function": name}
        return _response(event, body, reprompt=True)
    rows = result.rows[:MAX_ROWS]
    body = {
        "tool": result.tool,
        "args": result.args,
        "rows": rows,
        "row_count": len(result.rows),
        "truncated": len(result.rows) > len(rows),
        "figures": result.figures,
        "sources": result.sources,
    }
    return _response(event, body)


def _arguments(event: dict[str, Any]) -> tuple[Function, dict[str, Any]]:
    name = event.get("function")
    function = FUNCTIONS.get(name) if isinstance(name, str) else None
    if function is None:
        known = ", ".join(FUNCTIONS)
        raise InvalidParameters(f"unknown function {name!r}; known: {known}")
    given = event.get("parameters") or []
    if not isinstance(given, list):
        raise InvalidParameters("parameters must be a list of {name, type, value}")
    args: dict[str, Any] = {}
    for item in given:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InvalidParameters(f"malformed parameter {item!r}")
        param = function.params.get(item["name"])
        if param is None:
            allowed = ", ".join(function.params) or "none"
            raise InvalidParameters(f"unknown parameter {item['name']!r}; allowed: {allowed}")
        args[param.arg] = _value(item["name"], param, item.get("value"))
    for pname, param in function.params.items():
        if param.required and param.arg not in args:
            raise InvalidParameters(f"missing required parameter {pname!r}")
    return function, args


def _value(name: str, param: Param, raw: Any) -> Any:
    """Bedrock sends every value as a string; convert it to the declared type."""
    try:
        if param.type == "string":
            if not isinstance(raw, str) or not raw.strip():
                raise ValueError("expected a non-empty string")
            if param.enum and raw not in param.enum:
                raise ValueError(f"expected one of {', '.join(param.enum)}")
            return raw
        if param.type == "integer":
            if isinstance(raw, bool):
                raise ValueError("expected an integer")
            value = int(str(raw).strip())
            if value < 1 or value > 1000:
                raise ValueError("expected an integer from 1 to 1000")
            return value
        if param.type == "array":
            return _array(raw)
    except (ValueError, TypeError) as err:
        raise InvalidParameters(f"parameter {name!r}: {err}") from None
    raise InvalidParameters(f"parameter {name!r}: unsupported type {param.type!r}")


def _array(raw: Any) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, str):
        raise ValueError("expected a JSON array")
    text = raw.strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        if text.startswith("[") or text.startswith("{"):
            raise ValueError("expected a JSON array") from None
        value = [part.strip() for part in text.split(",") if part.strip()]  # a, b, c
    if not isinstance(value, list):
        raise ValueError("expected a JSON array")
    return value


def _response(event: dict[str, Any], body: dict[str, Any], reprompt: bool = False) -> dict:
    text = json.dumps(body, default=str)
    while len(text) > MAX_BODY and body.get("rows"):
        body["rows"] = body["rows"][: len(body["rows"]) // 2]
        body["truncated"] = True
        text = json.dumps(body, default=str)
    function_response: dict[str, Any] = {"responseBody": {"TEXT": {"body": text}}}
    if reprompt:
        function_response["responseState"] = "REPROMPT"
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event.get("actionGroup", ""),
            "function": event.get("function", ""),
            "functionResponse": function_response,
        },
    }

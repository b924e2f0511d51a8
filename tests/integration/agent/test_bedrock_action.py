"""The Bedrock action-group Lambda: the function-details contract over the small lake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engage import bootstrap
from engage.agent import bedrock_action
from engage.agent.bedrock_action import FUNCTIONS, handle, handler
from engage.agent.tools import Tools
from engage.settings import Settings

AI_MODULE = Path(__file__).resolve().parents[3] / "infra" / "terraform" / "modules" / "ai"


@pytest.fixture(scope="module")
def tools(agent_settings: Settings) -> Iterator[Tools]:
    t = bootstrap.tools(agent_settings)
    yield t
    t.close()


def event(function: str, **params: Any) -> dict[str, Any]:
    return {
        "messageVersion": "1.0",
        "agent": {
            "name": "engagement-agent",
            "id": "A1",
            "alias": "TSTALIASID",
            "version": "DRAFT",
        },
        "sessionId": "s1",
        "actionGroup": "athena-actions",
        "function": function,
        "parameters": [
            {"name": k, "type": "string", "value": v if isinstance(v, str) else json.dumps(v)}
            for k, v in params.items()
        ],
        "inputText": "question",
        "sessionAttributes": {},
        "promptSessionAttributes": {},
    }


def body(response: dict[str, Any]) -> dict[str, Any]:
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    assert inner["actionGroup"] == "athena-actions"
    text = inner["functionResponse"]["responseBody"]["TEXT"]["body"]
    assert isinstance(text, str) and len(text) <= bedrock_action.MAX_BODY
    return json.loads(text)


def is_error(response: dict[str, Any]) -> bool:
    state = response["response"]["functionResponse"].get("responseState")
    return "error" in body(response) and state == "REPROMPT"


def test_query_athena_runs_guarded_sql(tools: Tools) -> None:
    sql = "SELECT count(*) AS n FROM engagement_analytics.final_results"
    response = handle(event("query_athena", sql_query=sql), tools)
    out = body(response)
    assert response["response"]["function"] == "query_athena"
    assert "responseState" not in response["response"]["functionResponse"]
    assert out["tool"] == "run_sql" and out["rows"] == [{"n": 1500}]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE engagement_analytics.final_results",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1; DELETE FROM engagement_analytics.final_results",
    ],
)
def test_query_athena_refuses_unsafe_sql(tools: Tools, sql: str) -> None:
    assert is_error(handle(event("query_athena", sql_query=sql), tools))


def test_query_athena_row_limit_and_truncation(tools: Tools) -> None:
    sql = "SELECT * FROM engagement_analytics.final_results"
    out = body(handle(event("query_athena", sql_query=sql), tools))
    assert len(out["rows"]) <= bedrock_action.MAX_ROWS
    assert out["truncated"] is True


def test_feature_stats_with_array_parameters(tools: Tools) -> None:
    features = tools.model_features()[:2]
    out = body(handle(event("feature_stats", features=features), tools))
    assert [r["feature"] for r in out["rows"]] == features
    # a plain comma list is accepted too, as Bedrock models sometimes send it
    plain = body(handle(event("feature_stats", features=", ".join(features)), tools))
    assert [r["feature"] for r in plain["rows"]] == features


def test_explain_customer(tools: Tools) -> None:
    customer = tools._run("SELECT min(customer_id) AS c FROM engagement_predictions.predictions")
    cid = customer[0]["c"]
    out = body(handle(event("explain_customer", customer_id=cid), tools))
    assert out["rows"][0]["customer_id"] == cid
    assert "predicted_engagement_score" in out["figures"]


def test_model_metrics_and_importance(tools: Tools) -> None:
    assert body(handle(event("model_metrics", model="engagement"), tools))["rows"]
    out = body(handle(event("feature_importance", k="3", order="bottom"), tools))
    assert len(out["rows"]) == 3 and out["args"]["k"] == 3


def test_compare_segments(tools: Tools) -> None:
    out = body(handle(event("compare_segments", by="engagement_band"), tools))
    assert out["tool"] == "compare_segments" and out["rows"]


@pytest.mark.parametrize(
    "bad",
    [
        event("drop_everything"),
        event("run_sql", sql="SELECT 1"),  # tool names are not functions
        event("query_athena"),  # missing required parameter
        event("query_athena", sql="SELECT 1"),  # unknown parameter
        event("query_athena", sql_query=""),
        event("feature_importance", k="many"),
        event("feature_importance", k="0"),
        event("feature_importance", order="sideways"),
        event("model_metrics", model="nonexistent"),
        event("feature_stats", features='["not", "closed"'),
        event("feature_stats", features='{"a": 1}'),
        event("feature_stats", filters='[["no_such_column", "=", 1]]'),
        event("feature_stats", filters='[["age"]]'),
        event("compare_segments", by="no_such_column"),
        {
            **event("explain_customer"),
            "parameters": [{"name": "customer_id", "type": "string", "value": 123}],
        },
    ],
)
def test_invalid_calls_answer_an_error_body(tools: Tools, bad: dict[str, Any]) -> None:
    assert is_error(handle(bad, tools))


def test_malformed_events_never_raise(tools: Tools) -> None:
    for bad in ({}, {"function": "query_athena", "parameters": "x"}, {"parameters": [1]}):
        response = handle(bad, tools)
        assert "error" in json.loads(
            response["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
        )
    assert is_error(handle({**event("query_athena"), "parameters": [{"value": "x"}]}, tools))


def test_unexpected_tool_failure_is_an_error_body() -> None:
    class Broken:
        def call(self, name: str, args: dict[str, Any]) -> Any:
            raise RuntimeError("lake unreachable")

    assert is_error(handle(event("model_metrics"), Broken()))


def test_handler_reuses_one_tools(monkeypatch: pytest.MonkeyPatch, tools: Tools) -> None:
    monkeypatch.setattr(bedrock_action, "_TOOLS", tools)
    out = body(handler(event("model_metrics"), None))
    assert out["tool"] == "model_metrics"


def test_functions_map_onto_tools_and_their_schemas() -> None:
    from engage.agent.specs import TOOL_SPECS

    for name, function in FUNCTIONS.items():
        assert function.tool in TOOL_SPECS, name
        schema = TOOL_SPECS[function.tool]["schema"]
        for param in function.params.values():
            assert param.arg in schema["properties"], (name, param.arg)
            assert param.type in {"string", "integer", "number", "boolean", "array"}
        required = {p.arg for p in function.params.values() if p.required}
        assert set(schema["required"]) <= required, name


def _terraform_functions() -> dict[str, dict[str, tuple[str, bool]]]:
    import hcl2

    def unquote(value: Any) -> Any:
        return value[1:-1] if isinstance(value, str) and value[:1] == value[-1:] == '"' else value

    with (AI_MODULE / "bedrock_agent.tf").open(encoding="utf-8") as handle_:
        tree = hcl2.load(handle_)
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for entry in tree["resource"]:
        for kind, resources in entry.items():
            if unquote(kind) != "aws_bedrockagent_agent_action_group":
                continue
            for group in resources.values():
                for schema in group["function_schema"]:
                    for members in schema["member_functions"]:
                        for fn in members["functions"]:
                            found[unquote(fn["name"])] = {
                                unquote(p["map_block_key"]): (unquote(p["type"]), p["required"])
                                for p in fn.get("parameters", [])
                            }
    return found


def test_terraform_function_schema_matches_the_handler() -> None:
    declared = _terraform_functions()
    expected = {
        name: {pname: (p.type, p.required) for pname, p in fn.params.items()}
        for name, fn in FUNCTIONS.items()
    }
    assert declared == expected


def test_terraform_points_at_this_handler() -> None:
    variables = (AI_MODULE / "variables.tf").read_text(encoding="utf-8")
    assert '"engage.agent.bedrock_action.handler"' in variables

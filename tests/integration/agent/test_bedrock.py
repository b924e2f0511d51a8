"""The Bedrock backends, against botocore's Stubber: request and response shapes are
validated against the real service model, and the tool-use loop runs real tools."""

from __future__ import annotations

import io
import json

import boto3
import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from engage.agent.embeddings import TITAN_MODEL, TitanEmbedder
from engage.agent.planner.bedrock import BedrockPlanner, tool_config
from engage.agent.session import Session
from engage.agent.sql_guard import UnsafeSqlError, guard
from engage.settings import Settings

USAGE = {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}


@pytest.fixture()
def runtime(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _reply(content: list[dict], stop: str) -> dict:
    message = {"role": "assistant", "content": content}
    return {"output": {"message": message}, "stopReason": stop, "usage": USAGE,
            "metrics": {"latencyMs": 12}}  # fmt: skip


def _params(messages: object = ANY) -> dict:
    return {"modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0", "system": ANY,
            "messages": messages, "toolConfig": tool_config(), "inferenceConfig": ANY}  # fmt: skip


def test_claude_calls_a_tool_and_answers_from_its_result(
    agent_settings: Settings, fresh: Session, runtime
) -> None:
    client, stub = runtime
    question = "How does premium account status affect engagement scores?"
    use = {"toolUse": {"toolUseId": "tu-1", "name": "compare_segments",
                       "input": {"by": "account_type"}}}  # fmt: skip
    stub.add_response(
        "converse", _reply([use], "tool_use"),
        _params([{"role": "user", "content": [{"text": question}]}]),
    )  # fmt: skip
    stub.add_response(
        "converse", _reply([{"text": "Premium users are more engaged."}], "end_turn"), _params()
    )
    planner = BedrockPlanner(agent_settings, fresh.tools, client)
    answer = planner.answer(question)
    assert answer.text == "Premium users are more engaged." and not answer.refused
    assert answer.tool_calls == [{"tool": "compare_segments", "args": {
        "by": "account_type", "metric": "actual_engagement_score", "cohort": "all",
        "filters": []}}]  # fmt: skip
    offline = fresh.ask(question)
    assert answer.figures == pytest.approx(offline.figures)  # same tools, same figures


def test_a_refused_tool_call_is_reported_to_the_model(
    agent_settings: Settings, fresh: Session, runtime
) -> None:
    client, stub = runtime
    sql = "SELECT * FROM engagement_restricted.customer_pii"
    use = {"toolUseId": "tu-9", "name": "run_sql", "input": {"sql": sql}}
    with pytest.raises(UnsafeSqlError) as refused:
        guard(sql, 10)
    error = {"toolResult": {"toolUseId": "tu-9", "status": "error",
                            "content": [{"text": str(refused.value)}]}}  # fmt: skip
    question = {"role": "user", "content": [{"text": "emails?"}]}
    asked = {"role": "assistant", "content": [{"toolUse": use}]}
    stub.add_response("converse", _reply([{"toolUse": use}], "tool_use"), _params([question]))
    stub.add_response(
        "converse",
        _reply([{"text": "I can't answer that from this data."}], "end_turn"),
        _params([question, asked, {"role": "user", "content": [error]}]),
    )
    answer = BedrockPlanner(agent_settings, fresh.tools, client).answer("emails?")
    assert answer.refused and not answer.rows


def test_titan_v2_embeddings_are_requested_and_parsed(runtime) -> None:
    client, stub = runtime
    vector = [0.6, 0.8, 0.0, 0.0]
    body = json.dumps({"embedding": vector, "inputTextTokenCount": 3}).encode()
    stub.add_response(
        "invoke_model",
        {"body": StreamingBody(io.BytesIO(body), len(body)), "contentType": "application/json"},
        {"modelId": TITAN_MODEL, "body": json.dumps(
            {"inputText": "churn drivers", "dimensions": 4, "normalize": True}).encode(),
         "contentType": "application/json", "accept": "application/json"},
    )  # fmt: skip
    out = TitanEmbedder(client, dimensions=4).embed(["churn drivers"])
    np.testing.assert_allclose(out, [vector])


def test_an_openai_compatible_endpoint_drives_the_same_tools(
    agent_settings: Settings, fresh: Session
) -> None:
    import httpx

    from engage.agent.planner.openai_compat import OpenAiPlanner

    seen: list[dict] = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if len(seen) == 1:
            function = {"name": "model_metrics", "arguments": json.dumps({"model": "engagement"})}
            call = {"id": "c1", "type": "function", "function": function}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
        else:
            message = {"role": "assistant", "content": "R² is high."}
        return httpx.Response(200, json={"choices": [{"message": message}]})

    settings = agent_settings.model_copy(update={"openai_base_url": "http://llm.local/v1"})
    client = httpx.Client(base_url="http://llm.local/v1", transport=httpx.MockTransport(reply))
    answer = OpenAiPlanner(settings, fresh.tools, client).answer("How good is the model?")
    assert answer.text == "R² is high." and answer.figures["test.r2"] > 0
    assert seen[0]["tools"][0]["type"] == "function"
    assert (
        seen[1]["messages"][-1]["role"] == "tool"
        and seen[1]["messages"][-1]["tool_call_id"] == "c1"
    )

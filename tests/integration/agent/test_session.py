"""Follow-ups, citations, the CLI and the HTTP route."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from engage.agent.session import Session
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.api.state import build_state
from engage.cli import app
from engage.settings import Settings


def test_a_follow_up_reuses_the_plan_with_a_filter(fresh: Session) -> None:
    first = fresh.ask("How does engagement differ across age groups?")
    second = fresh.ask("and for premium users?")
    assert second.intent == first.intent == "plan" and not second.refused
    assert second.plan["filters"] == [{"column": "account_type", "op": "=", "value": "premium"}]
    assert second.plan["dimensions"] == first.plan["dimensions"]
    expected = fresh.tools.engine.query(
        "SELECT count(*) AS n FROM engagement_analytics.final_results "
        "WHERE account_type = 'premium'"
    ).to_pylist()[0]["n"]
    counts = sum(v for k, v in second.figures.items() if k.endswith(".customers"))
    assert counts == expected


def test_a_what_if_follow_up_changes_the_cohort(fresh: Session) -> None:
    fresh.ask("If we improve notification click rate by 20%, how does engagement change?")
    answer = fresh.ask("what about free users?")
    assert answer.tool_calls[0]["args"]["cohort"] == "free"
    assert answer.figures["cohort_customers"] < 1500


def test_answers_cite_run_model_and_timestamp(fresh: Session) -> None:
    answer = fresh.ask("What's the RMSE and R² of the latest model?")
    assert {"run_id", "model_version", "data_timestamp", "sources"} <= answer.citations.keys()
    assert answer.confidence > 0.5
    json.dumps(answer.to_dict())


def test_engage_ask_prints_json(agent_settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", agent_settings.lake)
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(agent_settings.data_dir))
    result = CliRunner().invoke(
        app, ["ask", "--json", "Do mobile users engage more than desktop users?"]
    )
    assert result.exit_code == 0, result.output
    (answer,) = json.loads(result.output)
    assert answer["intent"] == "plan" and "device_type" in answer["text"]
    assert answer["plan"]["dimensions"][0]["column"] == "device_type" and answer["sql"]
    pretty = CliRunner().invoke(app, ["ask", "How many users are in each engagement quartile?"])
    assert pretty.exit_code == 0 and "Q4" in pretty.output


def test_post_ask_needs_a_key_and_answers(agent_settings: Settings, tmp_path) -> None:
    settings = agent_settings.model_copy(
        update={"api_keys_path": tmp_path / "keys.json", "cache_path": tmp_path / "c.sqlite"}
    )
    _, secret = KeyStore(settings.resolved_keys_path()).create("agent-test", "reader")
    with TestClient(create_app(state=build_state(settings), background=False)) as client:
        assert client.post("/ask", json={"question": "hi"}).status_code == 401
        body = {"question": "How accurate is the engagement prediction model?"}
        reply = client.post("/ask", json=body, headers={"x-api-key": secret})
        assert reply.status_code == 200, reply.text
        assert reply.json()["intent"] == "model_metrics"
        assert reply.json()["figures"]["test.r2"] > 0


def test_a_customer_explanation_comes_from_the_stored_prediction(fresh: Session) -> None:
    stored = fresh.tools.engine.query(
        "SELECT predicted_engagement_score AS s FROM engagement_predictions.predictions "
        "WHERE customer_id = 'CUST_0000001'"
    ).to_pylist()[0]["s"]
    answer = fresh.ask("Why is the prediction for cust_0000001 what it is?")
    assert answer.intent == "explain_customer"
    assert answer.figures["predicted_engagement_score"] == stored
    assert any(k.startswith("impact.") for k in answer.figures)


def test_a_plain_answer_loads_no_dataframe_or_model_library(agent_settings: Settings) -> None:
    """A cold `engage ask` pays only for what it uses: pandas, torch, scikit-learn and
    XGBoost load for a what-if, never for an answer computed by SQL."""
    heavy = ("pandas", "torch", "sklearn", "xgboost", "skops", "fastapi")
    code = (
        "import sys\nfrom engage.cli import main\n"
        "sys.argv = ['engage', 'ask', 'median ltv of premium users in texas']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    env = {"ENGAGE_LAKE": agent_settings.lake, "ENGAGE_DATA_DIR": str(agent_settings.data_dir)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ | env
    )
    assert "LOADED []" in out.stdout, out.stdout + out.stderr

"""The compositional planner: slots compose, unclear words are named, safety in context."""

from __future__ import annotations

import pytest

from engage.agent.planner import safety
from engage.agent.semantic import compile as comp
from engage.agent.semantic.plan import Dimension, Filter, Having, Measure, Plan
from engage.agent.session import Session


def _one(session: Session, sql: str) -> float:
    return session.tools.engine.query(sql).to_pylist()[0]["v"]


def test_three_filters_and_a_threshold_compose(fresh: Session) -> None:
    answer = fresh.ask(
        "how many free users aged 25 to 44 on mobile have a churn probability over 0.2?"
    )
    want = _one(fresh, "SELECT count(*) v FROM engagement_analytics.final_results WHERE "
                "account_type='free' AND age BETWEEN 25 AND 44 AND device_type='mobile' "
                "AND churn_probability > 0.2")  # fmt: skip
    assert answer.intent == "plan" and answer.figures["value"] == want
    assert len(answer.plan["filters"]) == 4 and "Plan:" in answer.text


def test_a_follow_up_adds_any_filter_and_swaps_the_measure(fresh: Session) -> None:
    fresh.ask("mean engagement by device type")
    answer = fresh.ask("and only for customers inactive for 14 days or more?")
    assert {"column": "days_since_last_login", "op": ">=", "value": 14} in answer.plan["filters"]
    answer = fresh.ask("same but the median instead")
    assert answer.plan["measures"][0]["func"] == "median"
    assert answer.plan["dimensions"][0]["column"] == "device_type"


@pytest.mark.parametrize(
    "question",
    ["average blorp score of premium users", "tell me about churn", "how many android users"],
)
def test_unclear_words_are_named_not_guessed(fresh: Session, question: str) -> None:
    answer = fresh.ask(question)
    assert answer.intent == "clarify" and not answer.figures


def test_device_words_are_not_personal_data() -> None:
    assert not safety.is_pii("how many phone users are premium")
    assert safety.is_pii("give me the phone numbers of premium users")


@pytest.mark.parametrize(
    "text",
    ["please set the churn flag to false for every premium user in the results",
     "mark all customers in texas as high value in the results table",
     "remove the inactive users from the final results"],
)  # fmt: skip
def test_writes_in_plain_words_are_refused(fresh: Session, text: str) -> None:
    assert safety.is_write(text)
    assert fresh.ask(text).refused


def test_a_what_if_is_not_a_write() -> None:
    assert not safety.is_write("if we change notification click rate by 20%, what happens?")


def test_why_a_customer_churns_uses_the_churn_model(fresh: Session) -> None:
    answer = fresh.ask("why is CUST_0000002 predicted to churn?")
    stored = _one(fresh, "SELECT churn_probability v FROM engagement_predictions.predictions "
                  "WHERE customer_id = 'CUST_0000002'")  # fmt: skip
    assert answer.intent == "explain_churn" and answer.figures["churn_probability"] == stored
    assert any(k.startswith("impact.") for k in answer.figures)


def test_a_plan_compiles_to_one_guarded_select(session: Session) -> None:
    from engage.agent.semantic.run import layer_of

    plan = Plan(
        measures=[Measure("median", "actual_lifetime_value_usd")],
        dimensions=[Dimension("location", "region")],
        filters=[Filter("account_type", "=", "premium"), Filter("age", "between", [25, 34])],
        having=Having(Measure("count"), ">=", 1), order="desc", limit=2,
    )  # fmt: skip
    sql = comp.to_sql(layer_of(session.tools), plan)
    assert sql.startswith("WITH base AS") and "approx_percentile" in sql.lower()
    with pytest.raises(comp.PlanError):
        comp.to_sql(layer_of(session.tools), Plan(measures=[Measure("mean", "email")]))


@pytest.mark.parametrize(
    "question",
    ["number of customers in 3 states", "average engagement of premium users in 2 categories"],
)
def test_a_plan_that_would_drop_a_number_asks_back(fresh: Session, question: str) -> None:
    """A figure that ignores part of the question answers another question: decline,
    say what was understood and which words did not fit."""
    answer = fresh.ask(question)
    assert answer.intent == "clarify" and not answer.figures
    assert "I understood" in answer.text and answer.plan


def test_a_time_window_is_a_recency_and_joining_is_a_tenure(fresh: Session) -> None:
    recent = fresh.ask("how many users logged in within the last 2 days")
    assert recent.plan["filters"] == [{"column": "days_since_last_login", "op": "<=", "value": 2}]
    fresh.history.clear()
    joined = fresh.ask("how many customers joined in the last 60 days")
    assert joined.plan["filters"] == [
        {"column": "time_since_first_transaction_days", "op": "<=", "value": 60}
    ]


def test_an_asked_measure_wins_over_a_segment_recipe(fresh: Session) -> None:
    answer = fresh.ask("churn rate by engagement quartile")
    assert answer.intent == "plan"
    assert answer.plan["measures"][0]["column"] == "actual_churn_30_day"


def test_predicted_vs_actual_names_both_sides(fresh: Session) -> None:
    answer = fresh.ask("predicted vs actual ltv for sellers")
    assert {m["column"] for m in answer.plan["measures"]} == {
        "ltv_p50",
        "actual_lifetime_value_usd",
    }

"""The planner's mechanisms on a small hand-made catalog (no run needed).

Each test names one mechanism of issue 13's fifth round: a measure word whose quantity
names no column asks back; a phrase of one view's own measure scopes the question to
that view; an integer column with few values groups by value; a view's rows join
final_results for a customer grouping; a view's name holding its measure measures it;
a share of several conditions; the values of a view's own text column; a number after
an integer column of few values; a yes/no column in a count is a condition.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engage.agent.planner.offline import OfflinePlanner
from engage.agent.semantic import compile as comp
from engage.agent.semantic.layer import RESULTS, SemanticLayer, build
from engage.agent.semantic.parse import Parser
from engage.agent.semantic.plan import Dimension, Measure, Plan

FORECAST = "engagement_analytics.forecast"
TOTAL = "engagement_analytics.forecast_total"
ALERTS = "engagement_analytics.support_alerts"
COMMUNITIES = "engagement_analytics.communities"
NBA = "engagement_analytics.next_best_action"
TABLES = {
    RESULTS: {
        "customer_id": "VARCHAR", "location": "VARCHAR", "gender": "VARCHAR",
        "account_type": "VARCHAR", "device_type": "VARCHAR", "age": "INTEGER",
        "actual_churn_30_day": "BOOLEAN", "actual_engagement_score": "DOUBLE",
        "predicted_engagement_score": "DOUBLE", "referral_count": "INTEGER",
        "total_connections": "INTEGER", "gig_listings_active": "INTEGER",
        "content_posts_per_week": "DOUBLE",
    },
    FORECAST: {"customer_id": "VARCHAR", "horizon_day": "INTEGER", "forecast": "DOUBLE",
               "run_id": "VARCHAR"},
    TOTAL: {"horizon_day": "INTEGER", "total": "DOUBLE", "customers": "INTEGER",
            "run_id": "VARCHAR"},
    ALERTS: {"message_id": "VARCHAR", "customer_id": "VARCHAR", "channel": "VARCHAR",
             "sentiment_score": "DOUBLE"},
    COMMUNITIES: {"community_id": "INTEGER", "size": "INTEGER", "run_id": "VARCHAR"},
    NBA: {"customer_id": "VARCHAR", "bandit_action": "VARCHAR", "vulnerable": "BOOLEAN",
          "expected_reward": "DOUBLE"},
}  # fmt: skip
# distinct values per column as the run's data would report them
DISTINCT = {"horizon_day": 7, "referral_count": 9, "total_connections": 400, "age": 47}
VALUES = {"channel": ("message", "post", "review"), "bandit_action": ("browse_feed",)}


def _layer(with_data: bool = True, without: tuple[str, ...] = ()) -> SemanticLayer:
    catalog = [
        {"table_schema": t.partition(".")[0], "table_name": t.partition(".")[2],
         "column_name": c, "data_type": d}
        for t, cols in TABLES.items() if t not in without for c, d in cols.items()
    ]  # fmt: skip
    layer = build(catalog)
    if with_data:
        layer.distinct = lambda table, column: DISTINCT.get(column)
        layer.values_of = lambda table, column: VALUES.get(column, ())
    return layer


def _plan(question: str, layer: SemanticLayer | None = None) -> Plan:
    return Parser(layer or _layer()).parse(question).plan


def test_a_measure_word_without_a_column_asks_back_naming_the_word() -> None:
    layer = _layer(without=(FORECAST,))  # a run without the forecast table
    question = "average forecast by forecast day"
    assert Parser(layer).parse(question).unresolved == ["forecast"]
    answer = OfflinePlanner(SimpleNamespace(_layer=layer)).answer(question)
    assert answer.intent == "clarify" and not answer.figures
    assert "'forecast'" in answer.text
    assert "predicted_engagement_score" in answer.candidates  # the closest columns, named
    answer = OfflinePlanner(SimpleNamespace(_layer=_layer())).answer("average prediction by gender")
    assert answer.intent == "clarify" and "'prediction'" in answer.text


def test_a_measure_word_on_one_views_column_measures_that_view() -> None:
    plan = _plan("average forecast by forecast day")
    assert plan.view == FORECAST and plan.measures == [Measure("mean", "forecast")]
    assert plan.dimensions == [Dimension("horizon_day")]


def test_a_grouping_word_that_names_no_column_is_not_dropped() -> None:
    # "channel" is a known word (of the support alerts), but no column of the customers
    parsed = Parser(_layer()).parse("how many customers per channel")
    assert parsed.leftover == ["channel"] and parsed.plan.dimensions == []
    quartiles = Parser(_layer()).parse("average engagement by quartile of total connections")
    assert quartiles.leftover == [] and quartiles.plan.dimensions[0].bucket == "ntile"


def test_a_percent_after_a_number_is_its_unit_not_a_share() -> None:
    plan = _plan("how many customers have an engagement score above 50%")
    assert plan.measures == [Measure("count")]
    assert [(f.column, f.op, f.value) for f in plan.filters] == [
        ("actual_engagement_score", ">", 0.5)
    ]


def test_a_measure_word_with_its_column_or_as_an_order_word_is_not_unresolved() -> None:
    parser = Parser(_layer())
    assert parser.parse("average engagement by gender").unresolved == []
    assert parser.parse("which device type has the most customers").unresolved == []
    assert parser.parse("states with an average engagement above 0.5").unresolved == []


def test_a_phrase_of_one_views_measure_scopes_the_question_to_that_view() -> None:
    layer = _layer()
    assert layer.implies["forecast engagement"] == FORECAST
    plan = _plan("what is the average forecast engagement", layer)
    assert plan.view == FORECAST and plan.measures == [Measure("mean", "forecast")]
    # one word of a view ("members", "size") implies nothing: "the size of a segment"
    assert "size" not in layer.implies and "members" not in layer.implies


def test_an_integer_column_with_few_values_groups_by_value_and_a_wide_one_by_quartile() -> None:
    assert _plan("average engagement by referral count").dimensions == [Dimension("referral_count")]
    assert _plan("average engagement by total connections").dimensions == [
        Dimension("total_connections", "ntile", 4)
    ]
    plan = _plan("mean forecast engagement for each horizon day")
    assert plan.view == FORECAST and plan.dimensions == [Dimension("horizon_day")]


def test_without_data_counts_an_integer_column_keeps_its_quartiles() -> None:
    plan = _plan("average engagement by referral count", _layer(with_data=False))
    assert plan.dimensions == [Dimension("referral_count", "ntile", 4)]


def test_a_views_rows_join_final_results_for_a_customer_grouping() -> None:
    layer = _layer()
    plan = _plan("average forecast engagement by state", layer)
    assert plan.view == FORECAST and plan.dimensions == [Dimension("location")]
    sql = comp.to_sql(layer, plan)
    assert f"JOIN {RESULTS} AS r ON t.customer_id = r.customer_id" in sql
    assert "r.location" in sql and "AVG(CAST(forecast AS DOUBLE))" in sql


def test_a_view_without_customers_cannot_be_grouped_by_a_customer_column() -> None:
    plan = Plan([Measure("mean", "size")], [Dimension("location")], view=COMMUNITIES)
    with pytest.raises(comp.PlanError, match="no customers"):
        comp.to_sql(_layer(), plan)


def test_a_view_name_holding_its_measure_measures_it_for_each_day() -> None:
    plan = _plan("what is the forecast platform total for each day next week?")
    assert plan.view == TOTAL
    assert plan.measures == [Measure("mean", "total")]
    assert plan.dimensions == [Dimension("horizon_day")]


def test_a_share_reports_every_condition_after_its_verb() -> None:
    plan = _plan("what share of women in california are premium and on mobile")
    assert {(f.column, f.value) for f in plan.share_of} == {
        ("account_type", "premium"),
        ("device_type", "mobile"),
    }
    assert {f.column for f in plan.filters} == {"gender", "location"}


def test_a_share_of_a_text_column_is_the_share_of_its_value() -> None:
    plan = _plan("what percent of sellers have a premium plan")
    assert plan.measures == [Measure("share")]
    assert [(f.column, f.value) for f in plan.share_of] == [("account_type", "premium")]


def test_a_number_after_people_named_by_value_words_is_their_age() -> None:
    plan = _plan("how many premium women on desktop are over 50")
    assert ("age", ">", 50) in {(f.column, f.op, f.value) for f in plan.filters}


def test_a_number_after_an_integer_column_of_few_values_is_its_value() -> None:
    plan = _plan("maximum forecast engagement on horizon day 7")
    assert plan.view == FORECAST and plan.measures == [Measure("max", "forecast")]
    assert [(f.column, f.op, f.value) for f in plan.filters] == [("horizon_day", "=", 7)]


def test_values_of_a_views_own_text_column_come_from_the_data() -> None:
    plan = _plan("how many support alerts came from reviews")
    assert plan.view == ALERTS
    assert [(f.column, f.value) for f in plan.filters] == [("channel", "review")]


def test_a_yes_no_column_in_a_count_is_a_condition_on_the_views_rows() -> None:
    layer = _layer()
    plan = _plan("how many blocked nudges were vulnerable", layer)
    assert [(f.column, f.value) for f in plan.filters] == [("vulnerable", True)]
    assert f"FROM {NBA} WHERE vulnerable" in comp.to_sql(layer, plan)


def test_the_group_with_the_most_is_one_group_ranked_first() -> None:
    plan = _plan("what is the name of the state with the most churners")
    assert plan.dimensions == [Dimension("location")]
    assert (plan.order, plan.limit) == ("desc", 1)
    plan = _plan("which is the device type with the lowest average engagement")
    assert (plan.order, plan.limit) == ("asc", 1)


def test_a_yes_no_column_before_people_describes_them() -> None:
    plan = _plan("average expected reward of blocked nudges for vulnerable customers")
    assert plan.measures == [Measure("mean", "expected_reward")]
    assert [(f.column, f.value) for f in plan.filters] == [("vulnerable", True)]


def test_by_the_number_of_something_groups_by_it_and_counts_nothing() -> None:
    plan = _plan("average engagement by the number of referrals")
    assert plan.measures == [Measure("mean", "actual_engagement_score")]
    assert plan.dimensions == [Dimension("referral_count")]


def test_the_most_common_value_is_the_largest_group() -> None:
    plan = _plan("what is the most common device type among premium users")
    assert plan.dimensions == [Dimension("device_type")]
    assert plan.measures == [Measure("count")] and (plan.order, plan.limit) == ("desc", 1)


def test_a_follow_up_on_a_view_uses_that_views_words() -> None:
    parser = Parser(_layer())
    assert parser.parse("only for vulnerable customers").plan.filters == []
    parsed = parser.parse("only for vulnerable customers", NBA)
    assert [(f.column, f.value) for f in parsed.plan.filters] == [("vulnerable", True)]


def test_a_follow_up_that_changes_nothing_asks_back_instead_of_repeating() -> None:
    planner = OfflinePlanner(SimpleNamespace(_layer=_layer()))
    previous = SimpleNamespace(plan=Plan([Measure("count")], view=ALERTS).to_dict(),
                               tool_calls=[])  # fmt: skip
    answer = planner.answer("what about zorgs", previous)  # type: ignore[arg-type]
    assert answer.intent == "clarify" and "zorgs" in answer.text


def test_a_views_own_value_wins_over_a_final_results_word_of_the_same_span() -> None:
    plan = _plan("how many support alerts about posts")  # not content_posts_per_week
    assert [(f.column, f.value) for f in plan.filters] == [("channel", "post")]


@pytest.mark.parametrize(
    ("question", "op", "value"),
    [
        ("average engagement of users with zero referrals", "=", 0),
        ("how many customers have 2 referrals", "=", 2),
        ("how many users with 10 connections or more", ">=", 10),
        ("how many customers with 3 referrals or fewer", "<=", 3),
    ],
)
def test_a_count_customers_have_is_a_condition_with_its_bound(question: str, op: str,
                                                              value: int) -> None:  # fmt: skip
    filters = [(f.op, f.value) for f in _plan(question).filters]
    assert filters == [(op, value)]


def test_a_second_view_is_asked_about_not_dropped() -> None:
    parsed = Parser(_layer()).parse("how many support alerts of the bandit actions")
    assert parsed.plan.view == ALERTS and "bandit actions" in parsed.leftover


def test_a_segment_recipe_yields_to_a_grouping_by_another_column() -> None:
    from engage.agent.planner.offline import _groups_other

    steps = [("compare_segments", {"by": "engagement_level", "metric": "x"})]
    by_device = Parser(_layer()).parse("top 2 device types by customers")
    assert _groups_other(steps, by_device)
    by_quartile = Parser(_layer()).parse("average engagement by quartile of total connections")
    assert not _groups_other(steps, by_quartile)  # buckets: the recipe's own kind of groups

# ruff: noqa: E501  (an intent table reads best with one pattern list per line)
"""The offline planner's intents: patterns a question must match -> tool calls.

Intents are tried in order; the first whose every pattern matches wins, so the
specific ones (what-ifs, thresholds) come before the generic "X vs engagement".
Arguments are filled from the contract's vocabulary (engage.agent.vocabulary).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engage.agent.vocabulary import find_feature, find_segment

Step = tuple[str, dict[str, Any]]
Builder = Callable[[str], list[Step] | None]
TARGET = "actual_engagement_score"
CHURN = "actual_churn_30_day"


@dataclass(frozen=True)
class Intent:
    name: str
    patterns: tuple[str, ...]
    build: Builder
    confidence: float = 0.9

    def matches(self, text: str) -> bool:
        return all(re.search(p, text) for p in self.patterns)


def _model(text: str) -> str:
    if re.search(r"\bchurn", text):
        return "churn"
    if re.search(r"\bltv\b|lifetime value", text):
        return "ltv"
    return "engagement"


def _k(text: str, default: int = 5) -> int:
    words = {"three": 3, "five": 5, "ten": 10}
    found = re.search(r"\b(?:top|bottom|least|first|last|which)?\s*(\d+|three|five|ten)\b", text)
    if found is None:
        return default
    return words.get(found.group(1)) or int(found.group(1))


def _percent(text: str, default: float) -> float:
    found = re.search(r"(\d+(?:\.\d+)?)\s*(?:%|percent)", text)
    return float(found.group(1)) / 100 if found else default


def _scale(text: str) -> list[Step] | None:
    feature = find_feature(text)
    if feature is None:
        return None
    down = re.search(
        r"\b(decreas|reduc|lower|drop|fall|fell|cut|declin|shrink|goes down|went down)", text
    )
    factor = 1 - _percent(text, 0.1) if down else 1 + _percent(text, 0.1)
    return [("what_if", {"changes": [[feature, "scale", factor]]})]


def _outcome(text: str) -> str:
    """The outcome a question asks about: churn, lifetime value, else engagement."""
    if re.search(r"\bchurn", text) and not re.search(_ENG, text):
        return CHURN
    if re.search(r"\bltv\b|lifetime value", text) and not re.search(_ENG, text):
        return "actual_lifetime_value_usd"
    return TARGET


def _relation(text: str) -> list[Step] | None:
    segment = find_segment(text)
    usage = r"daily active usage|daily active|daily usage|daily logins?"
    target = "avg_daily_logins" if re.search(usage, text) else _outcome(text)
    feature = find_feature(re.sub(usage, " ", text) if target != TARGET else text)
    if feature is not None and segment is None:
        cohort = "inactive_7d" if re.search(r"inactive|haven'?t logged|dormant", text) else "all"
        return [("correlation", {"feature": feature, "target": target, "cohort": cohort})]
    if segment is not None:
        metric = target if target != "avg_daily_logins" else TARGET
        return [("compare_segments", {"by": segment, "metric": metric})]
    return None


def _premium_conversion(text: str) -> list[Step]:
    share = _percent(text, 0.1)
    tier = [["account_type", "set", "premium"]]
    usage = [
        ["premium_feature_usage_rate", "match_cohort", "premium"],
        ["premium_features_used_count", "match_cohort", "premium"],
    ]
    args = {"cohort": "free", "fraction": share}
    return [("what_if", {**args, "changes": tier}), ("what_if", {**args, "changes": tier + usage})]


_ENG = r"engag"
INTENTS: tuple[Intent, ...] = (
    Intent("explain_customer", (r"cust_\d+",),
           lambda t: [("explain_customer", {"customer_id": re.search(r"cust_\d+", t).group(0).upper()})]),  # type: ignore[union-attr]
    Intent("convert_premium", (r"convert|upgrad|switch|mov|migrat|turn", r"free", r"premium"),
           _premium_conversion),
    Intent("cost_benefit_posts", (r"cost|roi|worth|pay off|incentiv|reward", r"post"),
           lambda t: [("what_if", {"changes": [["content_posts_per_week", "add", 1]]})]),
    Intent("what_if_percent", (r"\d+\s*(%|percent)", r"improv|increas|rais|boost|lift|grow|higher|\b(?:went|goes|go|going) up|\brose\b|\brises?\b|\bup by\b|decreas|reduc|lower|drop|\bfalls?\b|\bfell\b|\bcut\b|declin"),
           _scale),
    Intent("premium_features", (r"premium features?", r"lift|drive|boost|increase|most|biggest|best"),
           lambda t: [("levers", {"cohort": "all", "features": [
               "premium_feature_usage_rate", "premium_features_used_count"]})]),
    Intent("least_important", (r"least|lowest|unimportant|not important|bottom|weakest|useless",
                               r"feature|predictor|variable|input|signal"),
           lambda t: [("feature_importance", {"model": _model(t), "k": _k(t), "order": "bottom"})]),
    Intent("top_features", (r"top|\bmost\b|key|main|strongest|biggest|best",
                            r"feature|predictor|driver|factor|variable|signal|\bdrives?\b"),
           lambda t: [("feature_importance", {"model": _model(t), "k": _k(t), "order": "top"})]),
    Intent("overfitting", (r"overfit|over-fit|generali[sz]|train.{0,20}test|memori",),
           lambda t: [("model_metrics", {"model": _model(t)})]),
    Intent("model_metrics", (r"accura|rmse|r²|r2\b|r-squared|r squared|model.{0,20}(perform|good|well|error|quality)|how (good|well|precise)",),
           lambda t: [("model_metrics", {"model": _model(t)})]),
    Intent("summary_stats", (r"summary|descriptive|statistics|stats|overview of (all|every)",),
           lambda t: [("feature_stats", {})]),
    Intent("data_quality", (r"missing (values|data)|data quality|null values|quality (issue|problem)|dirty|bad data|incomplete|have missing",),
           lambda t: [("data_quality", {})]),
    Intent("quartiles", (r"engagement quartile|quartiles? of engagement|into (engagement )?quartiles",),
           lambda t: [("compare_segments", {"by": "engagement_quartile", "metric": TARGET})]),
    Intent("distribution", (r"distribut|histogram|how .*scores? (are|is) spread",),
           lambda t: [("distribution", {"metric": TARGET})]),
    Intent("churn_threshold", (r"threshold|cut.?off|below (which|what)|at what (score|level)|level",
                               r"churn"),
           lambda t: [("compare_segments", {"by": "engagement_band", "metric": CHURN})]),
    Intent("inactivity_days", (r"how many days|number of days|days of", r"churn"),
           lambda t: [("compare_segments", {"by": "inactivity_days", "metric": CHURN})]),
    Intent("retain_low", (r"retain|retention|keep|hold on|save|stop .*leaving", r"0?\.3|low"),
           lambda t: [("levers", {"cohort": "below_0_3", "target": "churn"})]),
    Intent("early_warning", (r"early|first 30|first month|first weeks|new (users|customers)",
                             r"sign|signal|warn|predict|indicat"),
           lambda t: [("contrast", {"group": "churned", "versus": "retained",
                                     "filters": [["time_since_first_transaction_days", "<=", 30]]})]),
    Intent("top_vs_bottom", (r"top 10|top decile|best 10", r"bottom|worst|lowest"),
           lambda t: [("contrast", {"group": "top_10pct", "versus": "bottom_10pct"})]),
    Intent("power_user", (r"power.?user|super.?user|archetype|heavy users?",),
           lambda t: [("contrast", {"group": "top_5pct", "versus": "rest_95pct"})]),
    Intent("one_behavior", (r"one (behaviou?r|thing|habit|change)|single (behaviou?r|lever|change|thing)",),
           lambda t: [("levers", {"cohort": "low_engagement", "target": "engagement"})]),
    Intent("churn_risk_levers", (r"(high|elevated|at) ?.{0,6}(churn|risk)|at.risk|likely to (churn|leave)",
                                 r"increase|boost|improve|raise|lift|grow|help"),
           lambda t: [("levers", {"cohort": "high_churn_risk", "target": "engagement"})]),
    Intent("inactive_interventions", (r"haven'?t logged|not logged|inactive|dormant|7\+? days|seven days|a week",
                                      r"intervention|work|help|\bdo\b|re-?engag|win back|bring|approach|tactic"),
           lambda t: [("levers", {"cohort": "inactive_7d", "target": "engagement"})]),
    Intent("low_vs_high", (r"differ|distinguish|separat|set apart|contrast|compare",
                           r"low", r"high"),
           lambda t: [("contrast", {"group": "high_engagement", "versus": "low_engagement"})]),
    Intent("high_profile", (r"typical .*(user|customer)|profile|look like|describe|characteri", r"high|highly|very|most"),
           lambda t: [("contrast", {"group": "high_engagement", "versus": "all"})]),
    Intent("segments", (r"key segments|persona|cluster|segment (our|the) users|engagement (level|tier|bucket|band)|levels of engag",),
           lambda t: [("compare_segments", {"by": "engagement_level", "metric": TARGET})]),
)  # fmt: skip
# Tried after the compositional planner: "how does X relate to engagement" style questions.
FALLBACK = Intent("relation", (_ENG + r"|daily active|usage|active|logins?|churn|ltv|lifetime value",),
                  _relation, 0.75)  # fmt: skip
RECIPES = tuple(i for i in INTENTS if i.name != "explain_customer")

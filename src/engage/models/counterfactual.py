"""Counterfactual hints: what would need to change for one customer to reach a goal.

SHAP says which features pushed a prediction up or down; a customer-success team
also asks "what would have to be different?". For each actionable feature this
module moves the customer's value, one feature at a time and all else held fixed,
along the reference population's own distribution (its 5th, 10th, ..., 95th
percentiles) and asks the model again. The hint for a feature is the smallest
move, measured in percentile points of the population, whose prediction reaches
the goal. Suggested values are values real customers have, never an
extrapolation the model has not seen.

The direction that helps is read from the model, not assumed: candidates on both
sides of the current value are scored, and only those that reach (or, failing
that, improve on) the goal are kept. All candidate rows of all features go to
ONE predict call, so the cost is one batch however many features are searched.
The search, the ranking and its tie-breaks are deterministic.

These are statements about the model, not causal claims about the customer: they
say what the model would predict, which is what an intervention is judged by.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engage.contract import CUSTOMERS, Protection, Role

Predict = Callable[[pd.DataFrame], np.ndarray]

# Candidate values: the reference's 5th, 10th, ..., 95th percentiles. The extremes are
# left out on purpose: a sample's minimum and maximum are often anomalous accounts
# (bots log in 50 times a day), and a hint should point at what typical customers do.
PERCENTILES = tuple(range(5, 100, 5))
MAX_HINTS = 3

# Numeric FEATURE columns with no protection that are still no lever for a customer
# or a retention team, with why. Everything else of that kind is searched by default.
NOT_ACTIONABLE: dict[str, str] = {
    "churn_risk_score": "output of the legacy rules engine, not a behaviour",
    "social_influence_score": "platform-computed score of how others react",
    "content_virality_score": "depends on other people sharing the content",
    "trust_score": "reputation computed by the platform",
    "match_success_rate": "depends on other people's choices",
    "avg_reactions_per_post": "reactions received from others",
    "avg_comments_per_post": "comments received from others",
    "profile_views_received_week": "views received from others",
    "avg_job_completion_rating": "rating given by clients; null for most customers",
    "avg_sentiment_score": "NLP score of the customer's text, not a lever",
    "peak_activity_hour": "a clock hour has no better or worse direction",
    "time_since_first_transaction_days": "tenure only grows with time",
}


def actionable_features() -> list[str]:
    """Default search space: numeric contract FEATURE columns, unprotected, actionable.

    Protected or conditional attributes (age, gender, location) are excluded by the
    contract's Protection: a hint must never suggest changing who someone is.
    DERIVED columns (graph centrality, diversity, trend) and NOT_ACTIONABLE ones are
    computed from others' behaviour or by the platform, so no one can act on them.
    """
    return [
        c.name
        for c in CUSTOMERS.columns
        if c.role is Role.FEATURE
        and c.protection is Protection.NONE
        and not c.is_categorical
        and c.dtype.value in ("int", "float")
        and c.name not in NOT_ACTIONABLE
    ]


@dataclass(frozen=True)
class Goal:
    """A prediction threshold and which side of it is good; callable as goal(prediction).

    A plain `Callable[[float], bool]` also works as a goal; this class adds the
    direction, so moves that improve without reaching the goal can be ranked.
    """

    threshold: float
    higher_is_better: bool
    label: str = ""

    def __call__(self, prediction: float) -> bool:
        if self.higher_is_better:
            return prediction >= self.threshold
        return prediction < self.threshold

    def __str__(self) -> str:
        sign = ">=" if self.higher_is_better else "<"
        return self.label or f"prediction {sign} {self.threshold:g}"


def engagement_goal(threshold: float = 0.7) -> Goal:
    """Predicted engagement of at least `threshold` (0.7: the 'high' engagement band)."""
    return Goal(threshold, True, f"engagement >= {threshold:g}")


def churn_goal(threshold: float) -> Goal:
    """Churn probability below `threshold` (e.g. the served model's decision threshold)."""
    return Goal(threshold, False, f"churn probability < {threshold:g}")


@dataclass(frozen=True)
class Hint:
    """One single-feature move and what the model predicts after it.

    `percentile_shift` is the signed move in percentile points of the reference
    population (e.g. +35: from the 40th to the 75th percentile).
    """

    feature: str
    current_value: float
    suggested_value: float
    predicted_before: float
    predicted_after: float
    percentile_shift: float
    reaches_goal: bool = True


def counterfactual_hints(
    predict: Predict,
    row: pd.DataFrame,
    reference: pd.DataFrame,
    goal: Callable[[float], bool],
    features: Sequence[str] | None = None,
    max_hints: int = MAX_HINTS,
) -> list[Hint]:
    """Up to `max_hints` single-feature moves, best first (see the module doc).

    If some feature reaches the goal alone, only such hints are returned, ordered by
    the size of the move (smallest first). Otherwise the moves that improve the
    prediction most are returned with ``reaches_goal=False``; that needs to know
    which side is better, read from `Goal.higher_is_better` or, for a plain
    callable, from goal(+inf) vs goal(-inf); if neither tells, none are returned.
    An empty list also means the row already meets the goal or nothing helps.
    """
    if len(row) != 1:
        raise ValueError(f"counterfactual_hints explains one row, got {len(row)}")
    names = list(features) if features is not None else _default_features(row, reference)
    missing = [f for f in names if f not in row.columns or f not in reference.columns]
    if missing:
        raise KeyError(f"row or reference lacks feature column(s): {', '.join(missing)}")

    plans = [p for p in (_candidates(row, reference, f) for f in names) if p is not None]
    batch = _batch(row, plans)
    predictions = np.asarray(predict(batch), dtype=np.float64).reshape(-1)
    if len(predictions) != len(batch):
        raise ValueError(f"predict returned {len(predictions)} values for {len(batch)} rows")
    before = float(predictions[0])
    if goal(before):
        return []

    reaching: list[tuple[float, float, str, Hint]] = []
    improving: list[tuple[float, float, str, Hint]] = []
    direction = _direction(goal)
    start = 1
    for plan in plans:
        after = predictions[start : start + len(plan.values)]
        start += len(plan.values)
        hints = [
            Hint(plan.feature, plan.current, float(v), before, float(p), s, bool(goal(float(p))))
            for v, p, s in zip(plan.values, after, plan.shifts, strict=True)
        ]
        hits = [h for h in hints if h.reaches_goal]
        if hits:  # the smallest move that reaches the goal; then the larger gain
            best = min(hits, key=lambda h: (abs(h.percentile_shift), -_gain(h, direction)))
            key = (abs(best.percentile_shift), -_gain(best, direction), plan.feature)
            reaching.append((*key, best))
        elif direction:  # the largest gain; then the smaller move
            best = max(hints, key=lambda h: (_gain(h, direction), -abs(h.percentile_shift)))
            if _gain(best, direction) > 0:
                key = (-_gain(best, direction), abs(best.percentile_shift), plan.feature)
                improving.append((*key, replace(best, reaches_goal=False)))
    chosen = reaching or improving
    return [hint for *_, hint in sorted(chosen, key=lambda t: t[:3])][:max_hints]


# -- internals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    feature: str
    current: float
    values: np.ndarray  # candidate values, distinct, != current
    shifts: list[float]  # percentile rank of each candidate minus the current value's, rounded


def _default_features(row: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    return [f for f in actionable_features() if f in row.columns and f in reference.columns]


def _candidates(row: pd.DataFrame, reference: pd.DataFrame, feature: str) -> _Plan | None:
    """Reference percentiles of `feature` other than the row's own value.

    'inverted_cdf' percentiles are values that occur in the reference, so integer
    columns get integers and every suggestion is a value some customer has. A row
    whose value is null has no baseline to move from and is skipped.
    """
    current = pd.to_numeric(row[feature], errors="coerce").iloc[0]
    ref = pd.to_numeric(reference[feature], errors="coerce").dropna().to_numpy(np.float64)
    if pd.isna(current) or len(ref) == 0:
        return None
    current = float(current)
    values = np.unique(np.percentile(ref, PERCENTILES, method="inverted_cdf"))
    values = values[values != current]
    if len(values) == 0:
        return None
    ref_sorted = np.sort(ref)
    shifts = _rank(ref_sorted, values) - _rank(ref_sorted, np.array([current]))[0]
    return _Plan(feature, current, values, [round(float(s), 2) for s in shifts])


def _rank(ref_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Percentile rank (0-100) of each value; ties count half, as scipy's 'mean' kind."""
    below = np.searchsorted(ref_sorted, values, side="left")
    at_or_below = np.searchsorted(ref_sorted, values, side="right")
    return 50.0 * (below + at_or_below) / len(ref_sorted)


def _batch(row: pd.DataFrame, plans: Sequence[_Plan]) -> pd.DataFrame:
    """The row itself, then one copy per candidate with that one feature changed."""
    n = 1 + sum(len(p.values) for p in plans)
    columns = {c: np.repeat(row[c].to_numpy(), n) for c in row.columns}
    start = 1
    for plan in plans:
        col = columns[plan.feature]
        end = start + len(plan.values)
        if np.issubdtype(col.dtype, np.integer):
            col[start:end] = np.round(plan.values).astype(col.dtype)
        else:
            col[start:end] = plan.values
        start = end
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def _direction(goal: Callable[[float], bool]) -> int:
    """+1 if higher predictions are better, -1 if lower, 0 if the goal does not say."""
    if isinstance(goal, Goal):
        return 1 if goal.higher_is_better else -1
    high, low = bool(goal(math.inf)), bool(goal(-math.inf))
    return 0 if high == low else (1 if high else -1)


def _gain(hint: Hint, direction: int) -> float:
    return direction * (hint.predicted_after - hint.predicted_before)

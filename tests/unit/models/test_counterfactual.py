"""Counterfactual hints: smallest reaching move, one batch, direction, fallbacks, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.contract import CUSTOMERS, Protection
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from engage.models.counterfactual import (
    NOT_ACTIONABLE,
    Goal,
    Hint,
    actionable_features,
    churn_goal,
    counterfactual_hints,
    engagement_goal,
)
from engage.models.engagement import EngagementModel

GRID = np.arange(5, 100, 5)


def customers(rows: int, seed: int) -> pd.DataFrame:
    spec = ChunkSpec(seed, 0, 1, rows, 7, AS_OF, build_catalogue(stream(seed, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return customers(2_000, 5)


def logins_model(frame: pd.DataFrame) -> np.ndarray:
    """Monotone toy: engagement grows with logins and nothing else."""
    return np.clip(frame["avg_daily_logins"].to_numpy(dtype=float) / 10.0, 0.0, 1.0)


def recency_churn(frame: pd.DataFrame) -> np.ndarray:
    """Monotone toy: churn probability grows with days since the last login."""
    return np.clip(frame["days_since_last_login"].to_numpy(dtype=float) / 30.0, 0.0, 1.0)


def row_where(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return frame.loc[mask].iloc[[0]].reset_index(drop=True)


def repredict(predict, row: pd.DataFrame, hint: Hint) -> float:
    changed = row.copy()
    changed[hint.feature] = np.asarray([hint.suggested_value]).astype(row[hint.feature].dtype)
    return float(predict(changed)[0])


def test_monotone_model_gets_the_smallest_reaching_logins_move(frame: pd.DataFrame) -> None:
    row = row_where(frame, frame["avg_daily_logins"] < 2)
    goal = engagement_goal(0.5)
    hints = counterfactual_hints(logins_model, row, frame, goal)
    assert [h.feature for h in hints] == ["avg_daily_logins"]
    hint = hints[0]
    assert hint.reaches_goal and hint.percentile_shift > 0
    assert hint.predicted_before == pytest.approx(logins_model(row)[0])
    assert goal(repredict(logins_model, row, hint)) and hint.predicted_after >= 0.5
    # The smallest reference percentile (every 5th) that reaches 5 logins, and no smaller one.
    candidates = np.percentile(frame["avg_daily_logins"], GRID, method="inverted_cdf")
    assert hint.suggested_value == candidates[candidates >= 5.0].min()
    assert hint.suggested_value in set(frame["avg_daily_logins"])


def test_all_candidates_go_to_one_predict_call(frame: pd.DataFrame) -> None:
    calls: list[int] = []

    def counting(batch: pd.DataFrame) -> np.ndarray:
        calls.append(len(batch))
        return logins_model(batch)

    row = row_where(frame, frame["avg_daily_logins"] < 2)
    counterfactual_hints(counting, row, frame, engagement_goal(0.5))
    assert len(calls) == 1 and calls[0] > len(actionable_features())


def test_lower_is_better_goal_suggests_fewer_days_since_login(frame: pd.DataFrame) -> None:
    row = row_where(frame, frame["days_since_last_login"] >= 25)
    goal = churn_goal(0.5)
    hints = counterfactual_hints(recency_churn, row, frame, goal)
    assert [h.feature for h in hints] == ["days_since_last_login"]
    hint = hints[0]
    assert hint.suggested_value < 15 and hint.percentile_shift < 0
    assert float(hint.suggested_value).is_integer()  # an int column gets an observed int
    assert repredict(recency_churn, row, hint) < 0.5


def test_plain_callable_goal_infers_the_direction(frame: pd.DataFrame) -> None:
    row = row_where(frame, frame["days_since_last_login"] >= 25)
    reached = counterfactual_hints(recency_churn, row, frame, lambda p: p < 0.5)
    assert reached[0].feature == "days_since_last_login" and reached[0].reaches_goal
    # Unreachable, so the best-improving move is returned, flagged.
    unreachable = counterfactual_hints(recency_churn, row, frame, lambda p: p < -1.0)
    assert [h.reaches_goal for h in unreachable] == [False]
    assert unreachable[0].predicted_after < unreachable[0].predicted_before


def test_unreachable_goal_returns_best_improving_moves_ranked_by_gain(frame: pd.DataFrame) -> None:
    def two_features(batch: pd.DataFrame) -> np.ndarray:
        return 0.01 * batch["avg_daily_logins"].to_numpy() + 0.001 * batch[
            "num_events_joined_month"
        ].to_numpy(dtype=float)

    row = row_where(frame, (frame["avg_daily_logins"] < 2) & (frame["num_events_joined_month"] < 2))
    hints = counterfactual_hints(two_features, row, frame, engagement_goal(5.0), max_hints=5)
    assert [h.feature for h in hints] == ["avg_daily_logins", "num_events_joined_month"]
    assert not any(h.reaches_goal for h in hints)
    gains = [h.predicted_after - h.predicted_before for h in hints]
    assert gains == sorted(gains, reverse=True) and min(gains) > 0
    # The best improving move is the highest candidate: the 95th percentile, not the maximum.
    p95 = np.percentile(frame["avg_daily_logins"], 95, method="inverted_cdf")
    assert hints[0].suggested_value == p95 < frame["avg_daily_logins"].max()


def test_reaching_hints_are_ordered_by_move_size_and_capped(frame: pd.DataFrame) -> None:
    def either(batch: pd.DataFrame) -> np.ndarray:
        logins = batch["avg_daily_logins"].to_numpy() >= np.quantile(frame["avg_daily_logins"], 0.9)
        events = batch["num_events_joined_month"].to_numpy() >= frame[
            "num_events_joined_month"
        ].quantile(0.6)
        return (logins | events).astype(float)

    row = row_where(
        frame, (frame["avg_daily_logins"] < 1) & (frame["num_events_joined_month"] == 0)
    )
    hints = counterfactual_hints(either, row, frame, engagement_goal(0.5))
    assert [h.feature for h in hints] == ["num_events_joined_month", "avg_daily_logins"]
    assert abs(hints[0].percentile_shift) <= abs(hints[1].percentile_shift)
    assert counterfactual_hints(either, row, frame, engagement_goal(0.5), max_hints=1) == hints[:1]


def test_protected_and_non_actionable_columns_are_never_searched(frame: pd.DataFrame) -> None:
    features = actionable_features()
    assert "avg_daily_logins" in features and "days_since_last_login" in features
    for name in features:
        column = CUSTOMERS.column(name)
        assert column.protection is Protection.NONE and not column.is_categorical
    for excluded in ("age", "gender", "location", "churn_risk_score", "total_connections"):
        assert excluded not in features
    assert not set(NOT_ACTIONABLE) & set(features)

    def age_only(batch: pd.DataFrame) -> np.ndarray:
        return batch["age"].to_numpy(dtype=float) / 100.0

    row = row_where(frame, frame["age"] < 30)
    assert counterfactual_hints(age_only, row, frame, engagement_goal(0.5)) == []


def test_goal_already_met_gives_no_hints(frame: pd.DataFrame) -> None:
    row = row_where(frame, frame["avg_daily_logins"] > 6)
    assert counterfactual_hints(logins_model, row, frame, engagement_goal(0.5)) == []


def test_deterministic_and_independent_of_reference_order(frame: pd.DataFrame) -> None:
    row = row_where(frame, frame["avg_daily_logins"] < 2)
    first = counterfactual_hints(logins_model, row, frame, engagement_goal(0.5))
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert counterfactual_hints(logins_model, row, shuffled, engagement_goal(0.5)) == first


def test_bad_inputs_are_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="one row"):
        counterfactual_hints(logins_model, frame.iloc[:2], frame, engagement_goal())
    with pytest.raises(KeyError, match="no_such_column"):
        counterfactual_hints(
            logins_model, frame.iloc[[0]], frame, engagement_goal(), features=["no_such_column"]
        )


def test_hints_from_a_fitted_engagement_model_hold_when_re_predicted(frame: pd.DataFrame) -> None:
    model = EngagementModel(max_depth=3, learning_rate=0.3, n_estimators=40)
    model.fit(frame, frame["engagement_score"].to_numpy())
    scores = model.predict(frame)
    goal = Goal(0.65, higher_is_better=True)
    reached = 0
    # 20 customers, not 10: with 10 the count swung 3..7 across data seeds (5-8), so
    # ">= 5" was a coin flip on the data; with 20 it was 9..15 on the same seeds.
    for i in np.flatnonzero((scores > 0.35) & (scores < 0.55))[:20]:
        row = frame.iloc[[int(i)]].reset_index(drop=True)
        hints = counterfactual_hints(model.predict, row, frame, goal)
        assert hints, "some single move should at least improve a mid-range customer"
        for hint in hints:
            after = repredict(model.predict, row, hint)
            assert after == pytest.approx(hint.predicted_after, abs=1e-6)
            assert goal(after) is hint.reaches_goal
            assert after > hint.predicted_before
        reached += hints[0].reaches_goal
    assert reached >= 8

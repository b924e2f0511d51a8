"""The forecast's truth: the history carried on 7 days past the cut-off (issue 18)."""

import datetime as dt

import numpy as np
import pyarrow.parquet as pq

from engage.data import activity, future
from engage.data.generator import AS_OF, generate


def _wide(table, column, days):
    t = table.sort_by([("customer_id", "ascending"), ("activity_date", "ascending")])
    return t.column(column).to_numpy().reshape(-1, days)


def test_same_seed_same_future_and_history_unchanged(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(300, 5, a, formats=("parquet",))
    generate(300, 5, b, formats=("parquet",))
    for name in ("truth_activity", "activity"):
        assert pq.read_table(a / f"{name}.parquet").equals(pq.read_table(b / f"{name}.parquet"))


def test_future_days_follow_the_cut_off(small_tables):
    dates = small_tables["truth_activity"].column("activity_date").to_pylist()
    assert min(dates) == AS_OF + dt.timedelta(days=1)
    assert max(dates) == AS_OF + dt.timedelta(days=future.HORIZON_DAYS)


def test_lapsed_customers_stay_away_and_active_ones_continue(small_tables):
    days_since = (
        small_tables["customers"].sort_by("customer_id").column("days_since_last_login").to_numpy()
    )
    fut = _wide(small_tables["truth_activity"], "daily_engagement", future.HORIZON_DAYS)
    hist = _wide(small_tables["activity"], "daily_engagement", activity.HISTORY_DAYS)
    assert (fut[days_since >= 1] == 0).all()
    active = days_since == 0
    assert (fut[active] > 0).mean() > 0.99
    # the level carries on: the future week sits near the last history week
    gap = fut[active].mean(axis=1) - hist[active, -7:].mean(axis=1)
    assert abs(np.median(gap)) < 0.01


def test_noise_matches_the_history(small_tables):
    fut = _wide(small_tables["truth_activity"], "daily_engagement", future.HORIZON_DAYS)
    exp = _wide(small_tables["truth_activity"], "expected_daily_engagement", future.HORIZON_DAYS)
    inside = (exp > 0.1) & (exp < 0.9)
    assert abs(np.std(fut[inside] - exp[inside]) - activity.DAILY_NOISE_SD) < 0.002


def test_returning_variant_brings_short_gaps_back():
    rng = np.random.default_rng(0)
    n = 2_000
    hist = activity.History(*(np.zeros((n, 1)),) * 3, np.zeros(n), np.zeros(n), np.ones(n))
    days_since = np.repeat([0, 1, 5], [n - 1000, 500, 500])
    fut = future.continue_history(
        rng, np.full(n, 0.5), hist, np.full(n, 3.0), days_since, 0, returns=True
    )
    assert (fut.engagement[days_since == 5] == 0).all()
    assert (fut.engagement[days_since == 1, -1] > 0).mean() > 0.9
    still = future.continue_history(rng, np.full(n, 0.5), hist, np.full(n, 3.0), days_since, 0)
    assert (still.engagement[days_since == 1] == 0).all()

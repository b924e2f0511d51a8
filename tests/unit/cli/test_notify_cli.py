"""`engage notify train`: report figures, and a schedule table in the catalog within the rules."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from engage import bootstrap, lake
from engage.analytics import notify
from engage.analytics import notify_sim as sim
from engage.analytics.notify_env import ACTIONS, DAILY_CAP, quiet
from engage.cli import app
from engage.contract.tables import US_STATES
from engage.lake import TableName
from engage.settings import Settings

runner = CliRunner()
DAY = "2026-03-08"  # New York springs forward that night: local times must still hold


def _customers(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "customer_id": [f"CUST_{i:07d}" for i in range(1, n + 1)],
            "location": rng.choice(US_STATES, n),
            "peak_activity_hour": rng.integers(0, 24, n),
            "session_consistency_score": rng.uniform(0, 1, n),
            "notification_click_rate": rng.uniform(0.02, 0.4, n),
        }
    )


def _check_schedule(schedule: pd.DataFrame, frame: pd.DataFrame, day: date) -> None:
    opted = set(frame["customer_id"][sim.opt_out(frame)])
    assert len(schedule) and not set(schedule["customer_id"]) & opted
    assert schedule.groupby("customer_id").size().max() <= DAILY_CAP
    states = dict(zip(frame["customer_id"], frame["location"], strict=True))
    for row in schedule.itertuples():
        zone = ZoneInfo(sim.STATE_TIME_ZONES[states[row.customer_id]])
        local = pd.Timestamp(row.send_at_utc).to_pydatetime().astimezone(zone)
        assert zone.key == row.time_zone and local.hour == row.local_hour
        assert not quiet(local.hour) and local.date() == day == row.local_date


def test_train_reports_figures_and_publishes_a_schedule_within_the_rules(env) -> None:
    frame = _customers(600)
    path = env / "customers.parquet"
    frame.to_parquet(path)
    args = ["notify", "train", "--customers", str(path), "--episodes", "300"]
    args += ["--eval-customers", "60", "--days", "1", "--date", DAY, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["violations_total"] == 0 and report["registered"]
    assert report["adversarial_3am"]["sent"] == 0 < report["adversarial_3am"]["attempts"]
    assert [e["policy"] for e in report["evaluation"]][:2] == ["q-learning", "fixed noon"]
    engine = bootstrap.catalog(Settings()).reader()
    try:
        schedule = engine.query(f"SELECT * FROM {TableName.NOTIFY_SCHEDULE}").to_pandas()
    finally:
        engine.close()
    assert len(schedule) == report["schedule"]["rows"]
    _check_schedule(schedule, frame, date.fromisoformat(DAY))


def test_train_without_customers_is_a_clear_error(env) -> None:
    result = runner.invoke(app, ["notify", "train"])
    assert result.exit_code == 2
    assert "no customers in the lake" in result.output


def test_schedule_of_a_policy_that_wants_3am_still_obeys_the_rules() -> None:
    frame = _customers(300)
    population = sim.population(frame)
    table = notify.schedule_table(forged_3am_policy(), population, date(2026, 11, 1))
    _check_schedule(table.to_pandas(), frame, date(2026, 11, 1))


def forged_3am_policy() -> notify.QLearning:
    """A Q-table that values 03:00 most (then the late evening): what a bad policy wants."""
    policy = notify.QLearning()
    policy.visits_[:] = 1
    for arrival in range(24):
        for delay in range(ACTIONS):
            hour = (arrival + delay) % 24
            policy.q_[arrival, :, :, delay] = 10.0 if hour == 3 else 1.0 + hour / 24
    return policy


def test_erasure_finds_the_published_schedule(env) -> None:
    from engage.adapters.store import LocalObjectStore
    from engage.privacy.subjects import subject_tables

    frame = _customers(40)
    table = notify.schedule_table(forged_3am_policy(), sim.population(frame), date(2026, 5, 1))
    store = LocalObjectStore(env / "lake")
    store.write_parquet(lake.NOTIFY_SCHEDULE + "part-0.parquet", table)
    found = {(t.name, t.key_column) for t in subject_tables(store, None)}
    assert (str(TableName.NOTIFY_SCHEDULE), "customer_id") in found

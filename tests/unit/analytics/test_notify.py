"""The notification simulator, its masked gymnasium environment, Q-learning and grading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.analytics import notify_eval as ev
from engage.analytics import notify_sim as sim
from engage.analytics.notify_env import (
    ACTIONS,
    DAILY_CAP,
    IllegalActionError,
    NotifyEnv,
    quiet,
)
from engage.analytics.notify_policy import FixedHour, QLearning
from engage.contract.tables import US_STATES


def _customers(n: int, seed: int = 0, **fixed: object) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": [f"CUST_{i}" for i in range(n)],
            "location": rng.choice(US_STATES, n),
            "peak_activity_hour": rng.integers(8, 22, n),
            "session_consistency_score": rng.uniform(0.5, 1.0, n),
            "notification_click_rate": rng.uniform(0.1, 0.4, n),
            "notifications_opt_out": np.zeros(n, dtype=bool),
        }
    )
    for name, value in fixed.items():
        frame[name] = value
    return frame


def _certain(engage: float, unsubscribe: float, opted_out: bool = False) -> sim.Population:
    """One customer in New York who engages / unsubscribes with the given probabilities."""
    return sim.Population(
        customer_id=np.array(["CUST_1"]),
        state=np.array(["NY"]),
        zone=(ZoneInfo("America/New_York"),),
        peak_hour=np.array([12]),
        curve=np.full((1, 24), engage),
        unsubscribe=np.array([unsubscribe]),
        opted_out=np.array([opted_out]),
    )


def test_every_state_has_a_loadable_zone_and_unknown_codes_are_named() -> None:
    assert set(sim.STATE_TIME_ZONES) == set(US_STATES)
    assert {sim.time_zone(s).key for s in ("CA", "NY", "HI")} == {
        "America/Los_Angeles",
        "America/New_York",
        "Pacific/Honolulu",
    }
    with pytest.raises(sim.SimulatorInputError, match="'XX'"):
        sim.time_zone("XX")


def test_population_is_deterministic_and_peaks_at_the_peak_hour() -> None:
    frame = _customers(50)
    a, b = sim.population(frame), sim.population(frame)
    np.testing.assert_array_equal(a.curve, b.curve)
    np.testing.assert_array_equal(a.curve.argmax(axis=1), frame["peak_activity_hour"])
    assert a.propensity(0, 12, 2) == pytest.approx(a.curve[0, 12] * sim.HABITUATION**2)


def test_bad_input_names_the_column_and_row() -> None:
    frame = _customers(5)
    frame.loc[3, "peak_activity_hour"] = 30
    with pytest.raises(sim.SimulatorInputError, match=r"peak_activity_hour.*row 3"):
        sim.population(frame)
    with pytest.raises(sim.SimulatorInputError, match="notification_click_rate"):
        sim.population(frame.drop(columns="notification_click_rate"))


def test_opt_out_reads_a_real_flag_else_a_stable_simulated_share() -> None:
    flagged = _customers(4, notifications_opt_out=[True, False, True, False])
    assert sim.opt_out(flagged).tolist() == [True, False, True, False]
    simulated = sim.opt_out(_customers(4000).drop(columns="notifications_opt_out"))
    assert 0.06 < simulated.mean() < 0.10


@pytest.mark.parametrize("arrival", range(24))
def test_mask_allows_exactly_the_non_quiet_delays(arrival: int) -> None:
    env = NotifyEnv(_certain(0.0, 0.0))
    env.reset(seed=0, options={"customer": 0, "arrivals": [arrival]})
    expected = [not quiet((arrival + d) % 24) for d in range(ACTIONS)]
    if any(expected):
        assert env.action_mask().tolist() == expected
    else:  # 22:00: every delay up to +9 h (07:00) is quiet, so the event is dropped
        assert env.dropped == 1


def test_masked_action_is_refused_and_opted_out_customers_get_nothing() -> None:
    env = NotifyEnv(_certain(1.0, 0.0))
    env.reset(seed=0, options={"customer": 0, "arrivals": [1]})
    with pytest.raises(IllegalActionError, match="masked"):
        env.step(2)  # 03:00 local
    opted = NotifyEnv(_certain(1.0, 0.0, opted_out=True))
    _, info = opted.reset(seed=0, options={"customer": 0})
    assert not info["action_mask"].any() and opted.dropped == 5
    with pytest.raises(IllegalActionError):
        opted.step(0)


def test_daily_cap_masks_the_fourth_notification_of_a_local_day() -> None:
    env = NotifyEnv(_certain(0.0, 0.0))
    env.reset(seed=0, options={"customer": 0, "arrivals": [9, 10, 11, 12, 13]})
    for _ in range(DAILY_CAP):
        done = env.step(0)[2]
    assert done and env.dropped == 2 and len(env.deliveries) == DAILY_CAP


def test_reward_is_one_on_engagement_and_minus_half_on_unsubscribe() -> None:
    env = NotifyEnv(_certain(1.0, 0.0))
    env.reset(seed=0, options={"customer": 0})
    rewards = []
    done = False
    while not done:
        _, r, done, _, _ = env.step(int(np.flatnonzero(env.action_mask())[0]))
        rewards.append(r)
    assert rewards[0] == 1.0  # the first push of a day is certain to be read here
    assert sum(rewards) == sum(d.engaged for d in env.deliveries)  # later ones habituate
    leaving = NotifyEnv(_certain(0.0, 1.0))
    leaving.reset(seed=0, options={"customer": 0, "arrivals": [9, 10]})
    _, r, done, _, _ = leaving.step(0)
    assert (r, done) == (-0.5, True)  # nobody is notified after unsubscribing


def test_local_hours_follow_daylight_saving() -> None:
    # 2026-03-08: New York springs forward; 09:00 local is 13:00 UTC, not 14:00.
    env = NotifyEnv(_certain(0.0, 0.0), start=date(2026, 3, 8))
    env.reset(seed=0, options={"customer": 0, "arrivals": [9]})
    env.step(0)
    assert env.deliveries[0].sent_utc == datetime(2026, 3, 8, 13, tzinfo=UTC)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), days=st.integers(1, 3))
def test_random_legal_play_never_violates_a_constraint(seed: int, days: int) -> None:
    population = sim.population(_customers(20, seed=seed % 1000))
    env = NotifyEnv(population, days=days)
    rng = np.random.default_rng(seed)
    for customer in range(len(population)):
        _, info = env.reset(seed=seed, options={"customer": customer})
        done = not info["action_mask"].any()
        while not done:
            _, _, done, _, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        assert sum(ev.count_violations(env, env.deliveries).values()) == 0


class _Wants3am:
    """An adversary that ignores the mask and always asks for 03:00 local."""

    name = "wants 03:00"

    def act(self, observation: np.ndarray, mask: np.ndarray) -> int:
        return (3 - int(observation[0])) % 24


def test_a_policy_that_wants_3am_is_masked() -> None:
    population = sim.population(_customers(30))
    env = NotifyEnv(population)
    with pytest.raises(IllegalActionError):
        ev.evaluate(_Wants3am(), env, np.arange(30), seed=0)
    masked = ev.evaluate(FixedHour(3), env, np.arange(30), seed=0)
    assert masked.deliveries > 0 and masked.violations["total"] == 0
    forged = forged_3am_policy()
    assert int(np.argmax(forged.hour_values(0, 4))) == 3  # it truly prefers 03:00
    for customer in range(30):
        planned = ev.plan(forged, env, customer)
        assert len(planned) <= DAILY_CAP
        for when in planned:
            assert not quiet(when.astimezone(population.zone[customer]).hour)


def forged_3am_policy() -> QLearning:
    """A Q-table that values 03:00 most (then 21:00, 20:00, ...): what a bad policy wants."""
    policy = QLearning()
    policy.visits_[:] = 1
    for arrival in range(24):
        for delay in range(ACTIONS):
            hour = (arrival + delay) % 24
            policy.q_[arrival, :, :, delay] = 10.0 if hour == 3 else 1.0 + hour / 24
    return policy


def test_violations_are_counted_independently_of_the_mask() -> None:
    env = NotifyEnv(_certain(0.0, 0.0))
    env.reset(seed=0, options={"customer": 0, "arrivals": [9]})
    night = datetime(2026, 1, 5, 8, tzinfo=UTC)  # 03:00 in New York
    forged = [ev.Delivery(0, night + timedelta(minutes=i), False, False) for i in range(4)]
    found = ev.count_violations(env, forged)
    assert found["quiet_hours"] == 4 and found["daily_cap"] == 1


def test_q_learning_beats_fixed_noon_on_held_out_customers() -> None:
    population = sim.population(_customers(1200, seed=7))
    train, test = population.subset(np.arange(600)), population.subset(np.arange(600, 1200))
    policy = QLearning().fit(NotifyEnv(train, days=2), episodes=3000, seed=1)
    held_out = NotifyEnv(test, days=2)
    learned = ev.evaluate(policy, held_out, np.arange(600), seed=10_000)
    noon = ev.evaluate(FixedHour(12), held_out, np.arange(600), seed=10_000)
    assert learned.violations["total"] == noon.violations["total"] == 0
    assert ev.lift(learned, noon) > 0.05
    assert ev.lift_interval(learned, noon, seed=0)[0] > 0  # not a lucky draw of customers


def test_lift_interval_is_paired_over_customers() -> None:
    env = NotifyEnv(sim.population(_customers(80)))
    noon = ev.evaluate(FixedHour(12), env, np.arange(80), seed=3)
    early = ev.evaluate(FixedHour(8), env, np.arange(80), seed=3)
    assert ev.lift_interval(noon, noon, seed=0) == [0.0, 0.0]
    low, high = ev.lift_interval(early, noon, seed=0)
    assert low < ev.lift(early, noon) < high
    with pytest.raises(ValueError, match="same customers"):
        ev.lift_interval(early, ev.evaluate(FixedHour(12), env, np.arange(40), seed=3), seed=0)


def test_plan_sends_only_what_the_policy_values_one_per_hour() -> None:
    population = sim.population(_customers(10))
    env = NotifyEnv(population, start=date(2026, 6, 1))
    assert ev.plan(QLearning(), env, 0) == []  # an untrained table values nothing
    planned = ev.plan(forged_3am_policy(), env, 0)
    local = [w.astimezone(population.zone[0]).hour for w in planned]
    assert sorted(local) == [19, 20, 21]  # the best non-quiet hours, one send each

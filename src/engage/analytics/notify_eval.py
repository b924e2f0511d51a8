"""Grade notification policies on the simulator and plan tomorrow's schedule.

Fair comparison: every policy meets the same customers with the same seeds (common
random numbers), so the event arrivals are identical and the gap is the timing.
Violations are recounted here from the raw deliveries, with the time zone looked up
again from the customer's state, rather than trusted from the environment's mask:
the count is an independent check that the mask did its job (it must be 0).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from engage.analytics.notify_env import DAILY_CAP, PEAK_BUCKETS, Delivery, NotifyEnv, quiet
from engage.analytics.notify_policy import FixedHour, Policy, QLearning
from engage.analytics.notify_sim import STATE_TIME_ZONES

SEND_HOURS = range(8, 22)  # the hours a single-hour baseline may pick


@dataclass
class Outcome:
    """What one policy did over the evaluation episodes."""

    policy: str
    episodes: int
    customer_days: int
    deliveries: int
    engagements: int
    unsubscribes: int
    dropped: int
    reward: float
    violations: dict[str, int]
    per_customer: np.ndarray  # reward of each episode, in the order of the customers given

    def summary(self) -> dict[str, Any]:
        per_day = self.reward / self.customer_days if self.customer_days else 0.0
        rate = self.engagements / self.deliveries if self.deliveries else 0.0
        return {
            "policy": self.policy,
            "episodes": self.episodes,
            "customer_days": self.customer_days,
            "notifications": self.deliveries,
            "engagements": self.engagements,
            "unsubscribes": self.unsubscribes,
            "dropped_events": self.dropped,
            "reward": round(self.reward, 2),
            "reward_per_customer_day": round(per_day, 4),
            "engagement_rate": round(rate, 4),
            "violations": self.violations,
        }


def evaluate(policy: Policy, env: NotifyEnv, customers: np.ndarray, seed: int) -> Outcome:
    """Run one episode per customer index (opted-out ones included: they must get nothing)."""
    totals = Counter()
    violations = Counter({"quiet_hours": 0, "daily_cap": 0, "opted_out": 0})
    per_customer = np.zeros(len(customers))
    for k, customer in enumerate(customers):
        obs, info = env.reset(seed=seed + k, options={"customer": int(customer)})
        done = not info["action_mask"].any()
        while not done:
            obs, r, done, _, info = env.step(policy.act(obs, info["action_mask"]))
            per_customer[k] += r
        violations.update(count_violations(env, env.deliveries))
        totals["deliveries"] += len(env.deliveries)
        totals["engagements"] += sum(d.engaged for d in env.deliveries)
        totals["unsubscribes"] += sum(d.unsubscribed for d in env.deliveries)
        totals["dropped"] += env.dropped
    return Outcome(
        policy.name,
        len(customers),
        len(customers) * env.days,
        totals["deliveries"],
        totals["engagements"],
        totals["unsubscribes"],
        totals["dropped"],
        float(per_customer.sum()),
        {**violations, "total": sum(violations.values())},
        per_customer,
    )


def count_violations(env: NotifyEnv, deliveries: list[Delivery]) -> Counter[str]:
    """Quiet-hour sends, sends over the daily cap and sends to opted-out customers."""
    found: Counter[str] = Counter()
    per_day: Counter[tuple[int, date]] = Counter()
    for d in deliveries:
        zone = ZoneInfo(STATE_TIME_ZONES[str(env.customers.state[d.customer])])
        local = d.sent_utc.astimezone(zone)
        found["quiet_hours"] += quiet(local.hour)
        found["opted_out"] += bool(env.customers.opted_out[d.customer])
        per_day[(d.customer, local.date())] += 1
    found["daily_cap"] += sum(max(0, n - DAILY_CAP) for n in per_day.values())
    return found


def best_single_hour(env: NotifyEnv, customers: np.ndarray, seed: int) -> tuple[int, dict]:
    """The one local hour whose fixed policy earns most on these (training) customers."""
    scores = {h: evaluate(FixedHour(h), env, customers, seed).reward for h in SEND_HOURS}
    best = max(scores, key=lambda h: (scores[h], -h))
    return best, {f"{h:02d}:00": round(v, 2) for h, v in scores.items()}


def lift(policy: Outcome, baseline: Outcome) -> float | None:
    """Relative gain in reward per customer-day over a baseline (None if it earned 0)."""
    base = baseline.reward / baseline.customer_days
    if base == 0:
        return None
    return round((policy.reward / policy.customer_days - base) / abs(base), 4)


def lift_interval(
    policy: Outcome, baseline: Outcome, seed: int, resamples: int = 1000
) -> list[float] | None:
    """95% bootstrap interval of `lift`, resampling customers (paired: same seeds)."""
    if len(policy.per_customer) != len(baseline.per_customer) or not len(policy.per_customer):
        raise ValueError("lift_interval needs two evaluations of the same customers")
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(policy.per_customer), (resamples, len(policy.per_customer)))
    ours, theirs = policy.per_customer[rows].sum(axis=1), baseline.per_customer[rows].sum(axis=1)
    if (theirs == 0).any():
        return None
    lifts = (ours - theirs) / np.abs(theirs)
    return [round(float(q), 4) for q in np.percentile(lifts, [2.5, 97.5])]


def plan(policy: QLearning, env: NotifyEnv, customer: int) -> list[datetime]:
    """Tomorrow's send times (UTC) for one customer, delivered through the env's mask.

    The k-th send goes at the hour the policy values most with k sends already made
    (`QLearning.hour_values`), one send an hour, and only while that value is positive
    (a send worth less than nothing is not made). The hours are then delivered in the
    environment, planning mode, so the same mask enforces the cap and the quiet hours.
    """
    bucket = int(env.customers.peak_hour[customer]) * PEAK_BUCKETS // 24
    hours: list[int] = []
    for sent in range(DAILY_CAP):
        values = policy.hour_values(sent, bucket)
        values[[h for h in range(24) if quiet(h)] + hours] = -np.inf
        best = int(np.argmax(values))
        if not np.isfinite(values[best]) or values[best] <= 0:
            break
        hours.append(best)
    if not hours:
        return []
    _, info = env.reset(seed=0, options={"customer": customer, "arrivals": hours, "plan": True})
    done = not info["action_mask"].any()
    while not done:
        _, _, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
    return sorted(d.sent_utc.astimezone(UTC) for d in env.deliveries)

"""`engage notify train` as a library call: train, grade, and plan tomorrow's schedule.

Split: the project's one rule (customer-id suffix modulo 10: 0-7 train, 8-9 test), so
the policy is graded on customers it never met. The best single hour is chosen on the
training customers too, then graded beside the policy on the held-out ones with the
same seeds. Every evaluation counts constraint violations from the raw deliveries
(`notify_eval.count_violations`); the adversarial check asks for 03:00 on every
held-out customer and counts how often the environment refused it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engage.analytics import notify_eval as ev
from engage.analytics import notify_sim as sim
from engage.analytics.notify_env import (
    DAILY_CAP,
    PEAK_BUCKETS,
    QUIET_END,
    QUIET_START,
    IllegalActionError,
    NotifyEnv,
)
from engage.analytics.notify_policy import FixedHour, QLearning
from engage.contract.outputs import NOTIFY_SCHEDULE

NOON = 12
TRAIN_SUFFIXES = 8  # suffix % 10 below this: training customers (the project's split)


@dataclass(frozen=True)
class NotifyConfig:
    """Sizes and seeds of one `engage notify train` (the CLI's options)."""

    episodes: int = 6000
    eval_customers: int = 2000
    days: int = 2
    hour_search_customers: int = 500
    seed: int = 42
    schedule_date: date | None = None  # the customers' local "tomorrow"; None: UTC tomorrow


@dataclass(frozen=True)
class NotifyResult:
    report: dict[str, Any]
    schedule: pa.Table
    policy: QLearning


def train_and_grade(customers: pd.DataFrame, cfg: NotifyConfig) -> NotifyResult:
    """Learn a timing policy, grade it against noon and the best single hour, plan tomorrow."""
    started = time.perf_counter()
    everyone = sim.population(customers)
    train_rows, test_rows = split(everyone.customer_id)
    if not len(train_rows) or not len(test_rows):
        raise ValueError("need customers on both sides of the train/test split")
    train, test = everyone.subset(train_rows), everyone.subset(test_rows)
    rng = np.random.default_rng(cfg.seed)
    policy = QLearning().fit(NotifyEnv(train, days=cfg.days), cfg.episodes, cfg.seed)
    trained = time.perf_counter()
    search = _sample(rng, len(train), cfg.hour_search_customers)
    best, by_hour = ev.best_single_hour(NotifyEnv(train, days=cfg.days), search, cfg.seed + 1)
    graded = _sample(rng, len(test), cfg.eval_customers)
    env = NotifyEnv(test, days=cfg.days)
    baselines = (FixedHour(NOON, "fixed noon"), FixedHour(best, f"best hour {best:02d}:00"))
    outcomes = [ev.evaluate(p, env, graded, cfg.seed + 2) for p in (policy, *baselines)]
    graded_at = time.perf_counter()
    tomorrow = cfg.schedule_date or datetime.now(UTC).date() + timedelta(days=1)
    schedule = schedule_table(policy, everyone, tomorrow)
    report = {
        "customers": len(everyone),
        "train_customers": len(train),
        "test_customers": len(test),
        "opted_out": int(everyone.opted_out.sum()),
        "opt_out_source": _opt_out_source(customers),
        "constraints": {
            "daily_cap": DAILY_CAP,
            "quiet_hours": f"{QUIET_START:02d}:00-{QUIET_END:02d}:00 local",
            "enforced_by": "action mask in NotifyEnv.step",
        },
        "training": {"episodes": cfg.episodes, "days_per_episode": cfg.days},
        "best_single_hour": {"hour": best, "reward_by_hour_on_training": by_hour},
        "evaluation": [o.summary() for o in outcomes],
        "lift_over_noon": ev.lift(outcomes[0], outcomes[1]),
        "lift_over_best_hour": ev.lift(outcomes[0], outcomes[2]),
        "lift_over_noon_95ci": ev.lift_interval(outcomes[0], outcomes[1], cfg.seed),
        "lift_over_best_hour_95ci": ev.lift_interval(outcomes[0], outcomes[2], cfg.seed),
        "violations_total": sum(o.violations["total"] for o in outcomes),
        "adversarial_3am": adversarial_3am(env, graded, cfg.seed + 3),
        "schedule": {"date": tomorrow.isoformat(), "rows": schedule.num_rows},
        "seconds": {
            "train": round(trained - started, 2),
            "grade": round(graded_at - trained, 2),
            "schedule": round(time.perf_counter() - graded_at, 2),
        },
    }
    return NotifyResult(report, schedule, policy)


def split(customer_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of training and held-out customers by the id suffix modulo 10."""
    suffix = np.array([int(c.rsplit("_", 1)[-1]) % 10 for c in customer_id])
    return np.flatnonzero(suffix < TRAIN_SUFFIXES), np.flatnonzero(suffix >= TRAIN_SUFFIXES)


def adversarial_3am(env: NotifyEnv, customers: np.ndarray, seed: int) -> dict[str, int]:
    """Ask for a 03:00 local delivery at every first decision: each must be refused."""
    attempts = refused = 0
    for k, customer in enumerate(customers):
        obs, info = env.reset(seed=seed + k, options={"customer": int(customer)})
        if not info["action_mask"].any():
            continue
        delay = (3 - int(obs[0])) % 24
        attempts += 1
        try:
            env.step(delay)
        except IllegalActionError:
            refused += 1
    return {"attempts": attempts, "refused": refused, "sent": attempts - refused}


def schedule_table(policy: QLearning, everyone: sim.Population, day: date) -> pa.Table:
    """Every consenting customer's planned sends for `day` (their local date).

    The plan depends only on the customer's zone and observed peak bucket (the
    arrivals are fixed and the policy is greedy), so it is made once per pair.
    """
    env = NotifyEnv(everyone, days=1, start=day)
    created = datetime.now(UTC)
    plans: dict[tuple[str, int], list[datetime]] = {}
    rows: dict[str, list[Any]] = {name: [] for name in NOTIFY_SCHEDULE.names}
    for i in np.flatnonzero(~everyone.opted_out):
        zone = everyone.zone[i]
        key = (zone.key, int(everyone.peak_hour[i]) * PEAK_BUCKETS // 24)
        if key not in plans:
            plans[key] = ev.plan(policy, env, int(i))
        for rank, when in enumerate(plans[key], start=1):
            local = when.astimezone(zone)
            values = (
                everyone.customer_id[i], rank, when, local.isoformat(timespec="minutes"),
                local.hour, local.date(), zone.key, policy.name, created,
            )  # fmt: skip
            for name, value in zip(NOTIFY_SCHEDULE.names, values, strict=True):
                rows[name].append(value)
    return pa.table(rows, schema=NOTIFY_SCHEDULE.arrow_schema())


def _sample(rng: np.random.Generator, n: int, most: int) -> np.ndarray:
    return np.sort(rng.choice(n, size=min(n, most), replace=False))


def _opt_out_source(customers: pd.DataFrame) -> str:
    for name in (*sim.OPT_OUT_COLUMNS, *sim.CONSENT_COLUMNS):
        if name in customers.columns:
            return f"column {name}"
    return f"simulated ({sim.SIMULATED_OPT_OUT_SHARE:.0%} by customer-id hash; no contract column)"

"""Offline evaluation of next-best-action policies (issue 18 item 2).

Two views, because each has a blind spot:
- On the logged interactions (no truth needed): replay (Li et al. 2011: keep the events
  where the policy agrees with the logged action, average their rewards) and inverse
  propensity scoring (IPS: reward x 1[agree] / propensity, unbiased when every action
  had support, which the logging policy's uniform share guarantees).
- By simulation against a true response model (`truth(customers, tod, last) -> (n, K)`
  probabilities): LinTS learns online from scratch while uniform, the current rule and
  the oracle play the same contexts; cumulative regret is the sum of the oracle's
  expected reward minus the policy's (expected, not sampled: no reward noise in it).
  The truth is the environment here, never a fitted input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engage.analytics.bandit import K, LinTS, context_matrix

Truth = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def replay_value(chosen: np.ndarray, logged: np.ndarray, reward: np.ndarray) -> dict[str, float]:
    """Replay estimate of a deterministic policy's reward per decision, and its support."""
    agree = chosen == logged
    value = float(reward[agree].mean()) if agree.any() else float("nan")
    return {"value": round(value, 4), "matched_events": int(agree.sum())}


def ips_value(
    policy_prob: np.ndarray, reward: np.ndarray, propensity: np.ndarray
) -> dict[str, float]:
    """IPS and self-normalised IPS value: policy_prob = P(policy plays the logged action)."""
    w = policy_prob / propensity
    return {
        "ips": round(float(np.mean(w * reward)), 4),
        "snips": round(float(np.sum(w * reward) / np.sum(w)), 4) if w.sum() > 0 else float("nan"),
    }


def offline_report(
    x: np.ndarray, logged: np.ndarray, reward: np.ndarray, propensity: np.ndarray,
    policies: dict[str, np.ndarray],
) -> dict[str, Any]:  # fmt: skip
    """Replay and IPS per deterministic policy (chosen action per event) and for uniform."""
    out: dict[str, Any] = {"events": len(logged), "logged_reward": round(float(reward.mean()), 4)}
    for name, chosen in policies.items():
        agree = (chosen == logged).astype(float)
        out[name] = replay_value(chosen, logged, reward) | ips_value(agree, reward, propensity)
    uniform = np.full(len(logged), 1.0 / K)
    out["uniform"] = ips_value(uniform, reward, propensity)
    return out


def simulate(
    truth: Truth, signals: np.ndarray, rule: np.ndarray, rounds: int, seed: int,
    batch: int = 100, tiers: int = 5,
) -> dict[str, Any]:  # fmt: skip
    """Online simulation: cumulative expected regret of LinTS, uniform and the rule vs the
    oracle over `rounds` random (customer, time of day, last action) contexts."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, len(signals), rounds)
    tod, last = rng.integers(0, 4, rounds), rng.integers(0, K, rounds)
    p = truth(cust, tod, last)
    x = context_matrix(signals[cust], tod, last)
    model = LinTS(dim=x.shape[1])
    lints = np.empty(rounds, dtype=np.int64)
    for lo in range(0, rounds, batch):
        hi = min(lo + batch, rounds)
        lints[lo:hi] = model.choose(x[lo:hi], rng)
        got = rng.random(hi - lo) < p[np.arange(lo, hi), lints[lo:hi]]
        model.fit(x[lo:hi], lints[lo:hi], got)
    best = p.max(axis=1)
    rows = np.arange(rounds)
    gaps = {
        "lints": best - p[rows, lints],
        "uniform": best - p.mean(axis=1),
        "rule": best - p[rows, rule[cust]],
    }
    marks = np.unique(np.linspace(0, rounds, tiers + 1).astype(int)[1:]) - 1
    regret = {k: np.cumsum(g) for k, g in gaps.items()}
    return {
        "rounds": rounds,
        "batch": batch,
        "mean_reward": {
            "oracle": round(float(best.mean()), 4),
            **{k: round(float(best.mean() - g.mean()), 4) for k, g in gaps.items()},
        },
        "cumulative_regret": {k: round(float(r[-1]), 2) for k, r in regret.items()},
        "regret_curve": {
            "rounds": (marks + 1).tolist(),
            **{k: [round(float(r[i]), 2) for i in marks] for k, r in regret.items()},
        },
        "lints_regret_last_fifth_per_round": round(float(gaps["lints"][marks[-2] + 1 :].mean()), 4)
        if len(marks) > 1 else None,
    }  # fmt: skip


def served_value(p: np.ndarray, served: np.ndarray, rule: np.ndarray) -> dict[str, Any]:
    """True mean reward of the served actions (after the policy check; -1 = none served)
    beside the rule's, uniform's and the unconstrained oracle's in the same contexts."""
    rows = np.arange(len(p))
    got = np.where(served >= 0, p[rows, np.maximum(served, 0)], 0.0)
    return {
        "customers": len(p),
        "served": round(float(got.mean()), 4),
        "rule": round(float(p[rows, rule].mean()), 4),
        "uniform": round(float(p.mean()), 4),
        "oracle": round(float(p.max(axis=1).mean()), 4),
    }

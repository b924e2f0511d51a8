"""Notification-timing policies: tabular Q-learning and the fixed-hour baselines.

Every policy chooses among the *legal* delays only (the mask is applied at selection
time, in training and in evaluation); the environment refuses anything else, so a
policy's wishes never become a violation. Tabular Q-learning suffices here: the state
(local hour, notifications today, peak-hour bucket) has 24 x 4 x 8 cells, and a
table can be inspected and stored as plain numbers (no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from engage.analytics.notify_env import ACTIONS, DAILY_CAP, PEAK_BUCKETS, NotifyEnv


class Policy(Protocol):
    """Chooses a delay for the current event among the legal ones."""

    name: str

    def act(self, observation: np.ndarray, mask: np.ndarray) -> int: ...


def _legal_argmax(values: np.ndarray, mask: np.ndarray) -> int:
    """The best legal action; ties go to the shortest delay."""
    if not mask.any():
        raise ValueError("no legal action to choose from")
    return int(np.argmax(np.where(mask, values, -np.inf)))


@dataclass
class FixedHour:
    """Deliver as near as the rules allow to one local hour (the campaign baseline)."""

    hour: int
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"fixed {self.hour:02d}:00"

    def act(self, observation: np.ndarray, mask: np.ndarray) -> int:
        delivered = (int(observation[0]) + np.arange(ACTIONS)) % 24
        gap = np.abs(delivered - self.hour)
        return _legal_argmax(-np.minimum(gap, 24 - gap).astype(float), mask)


@dataclass
class QLearning:
    """Epsilon-greedy tabular Q-learning over legal actions (the mask at selection time)."""

    # Chosen once on a synthetic population (tests' seed 7), not per run: a running-mean
    # step (1/visits, floored at alpha) mattered most, the rewards being Bernoulli noise.
    alpha: float = 0.02
    gamma: float = 0.5
    epsilon: float = 0.3
    name: str = "q-learning"
    q_: np.ndarray = field(
        default_factory=lambda: np.zeros((24, DAILY_CAP + 1, PEAK_BUCKETS, ACTIONS))
    )
    visits_: np.ndarray = field(
        default_factory=lambda: np.zeros((24, DAILY_CAP + 1, PEAK_BUCKETS, ACTIONS))
    )
    episodes_: int = 0

    def act(self, observation: np.ndarray, mask: np.ndarray) -> int:
        return _legal_argmax(self.q_[tuple(observation)], mask)

    def hour_values(self, sent_today: int, bucket: int) -> np.ndarray:
        """Learned value of a delivery at each local hour (mean over the ways to reach it).

        A delivery at hour H is reached from an arrival at H - d with delay d; cells never
        visited in training say nothing and are left out (-inf when none was visited).
        """
        values = np.full(24, -np.inf)
        for hour in range(24):
            arrivals = (hour - np.arange(ACTIONS)) % 24
            cells = (arrivals, sent_today, bucket, np.arange(ACTIONS))
            seen = self.visits_[cells] > 0
            if seen.any():
                values[hour] = float(self.q_[cells][seen].mean())
        return values

    def fit(self, env: NotifyEnv, episodes: int, seed: int) -> QLearning:
        """Learn from `episodes` customer-episodes drawn at random from the env's customers."""
        rng = np.random.default_rng(seed)
        eligible = np.flatnonzero(~env.customers.opted_out)
        if not len(eligible):
            raise ValueError("every training customer has opted out: nothing to learn from")
        for episode in range(episodes):
            epsilon = self.epsilon * max(0.05, 1.0 - episode / max(1, episodes))
            customer = int(eligible[rng.integers(len(eligible))])
            self._episode(env, customer, int(rng.integers(2**31)), epsilon, rng)
        self.episodes_ += episodes
        return self

    def _episode(
        self, env: NotifyEnv, customer: int, seed: int, epsilon: float, rng: np.random.Generator
    ) -> None:
        obs, info = env.reset(seed=seed, options={"customer": customer})
        done = not info["action_mask"].any()
        while not done:
            mask = info["action_mask"]
            if rng.random() < epsilon:
                action = int(rng.choice(np.flatnonzero(mask)))
            else:
                action = self.act(obs, mask)
            after, reward, done, _, info = env.step(action)
            future = 0.0
            if not done:
                values = np.where(info["action_mask"], self.q_[tuple(after)], -np.inf)
                future = float(np.max(values))
            cell = (*obs, action)
            self.visits_[cell] += 1
            rate = max(self.alpha, 1.0 / self.visits_[cell])  # a running mean, then alpha
            self.q_[cell] += rate * (reward + self.gamma * future - self.q_[cell])
            obs = after

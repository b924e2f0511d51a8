"""Device-level differential privacy for FedAvg (DP-FedAvg, McMahan et al., ICLR 2018).

Each device clips its update to L2 norm `clip` and adds its share of Gaussian noise so
that the summed noise has standard deviation `noise_multiplier * clip` per coordinate
(distributed noise: with secure aggregation the server only ever sees the noisy sum).
The server divides by the expected number of devices, a constant, so one device changes
the released average by at most clip / expected. `RdpAccountant` tracks the Renyi DP of
the sampled Gaussian mechanism over the rounds (Mironov, Talwar & Zhang 2019, integer
orders) and converts it to (epsilon, delta).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ORDERS = tuple(range(2, 257))


def clip(update: np.ndarray, bound: float) -> np.ndarray:
    """`update` scaled down to L2 norm `bound` when it is longer."""
    norm = float(np.linalg.norm(update))
    return update if norm <= bound else update * (bound / norm)


def noise_share(
    length: int, clip_bound: float, multiplier: float, devices: int, rng: np.random.Generator
) -> np.ndarray:
    """One device's Gaussian noise; `devices` shares sum to N(0, (multiplier*clip)^2)."""
    return rng.normal(0.0, multiplier * clip_bound / math.sqrt(devices), size=length)


def _log_add(a: float, b: float) -> float:
    high, low = max(a, b), min(a, b)
    return high if low == -math.inf else high + math.log1p(math.exp(low - high))


def rdp_sampled_gaussian(q: float, sigma: float, order: int) -> float:
    """RDP at integer `order` of one round: Poisson rate `q`, noise multiplier `sigma`."""
    if not 0 < q <= 1:
        raise ValueError(f"sampling rate must be in (0, 1], got {q}")
    if q == 1.0:
        return order / (2 * sigma**2)
    log_a = -math.inf
    for k in range(order + 1):
        term = (
            math.lgamma(order + 1) - math.lgamma(k + 1) - math.lgamma(order - k + 1)
            + k * math.log(q) + (order - k) * math.log1p(-q) + (k * k - k) / (2 * sigma**2)
        )  # fmt: skip
        log_a = _log_add(log_a, term)
    return log_a / (order - 1)


def epsilon(rdp: list[float], delta: float) -> tuple[float, int]:
    """The tightest (epsilon, best order) of the RDP curve for `delta` (Mironov 2017)."""
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    eps = [r + math.log(1 / delta) / (a - 1) for a, r in zip(ORDERS, rdp, strict=True)]
    best = int(np.argmin(eps))
    return eps[best], ORDERS[best]


@dataclass
class RdpAccountant:
    """Adds up the RDP of every round the mechanism ran."""

    noise_multiplier: float
    sample_rate: float
    rounds: int = 0
    _rdp: list[float] = field(default_factory=lambda: [0.0] * len(ORDERS))

    def step(self, rounds: int = 1) -> None:
        per_round = [
            rdp_sampled_gaussian(self.sample_rate, self.noise_multiplier, a) for a in ORDERS
        ]
        self._rdp = [t + rounds * r for t, r in zip(self._rdp, per_round, strict=True)]
        self.rounds += rounds

    def spent(self, delta: float) -> float:
        """Epsilon spent so far at `delta` (0 before the first round)."""
        return 0.0 if self.rounds == 0 else epsilon(self._rdp, delta)[0]


def calibrate(target_epsilon: float, delta: float, rounds: int, sample_rate: float) -> float:
    """The smallest noise multiplier (to 1e-3) that spends at most `target_epsilon`."""
    if target_epsilon <= 0:
        raise ValueError(f"target epsilon must be positive, got {target_epsilon}")

    def spends(sigma: float) -> float:
        acc = RdpAccountant(sigma, sample_rate)
        acc.step(rounds)
        return acc.spent(delta)

    low, high = 0.05, 1.0
    while spends(high) > target_epsilon:
        high *= 2
        if high > 1e4:
            raise ValueError(f"epsilon {target_epsilon} is out of reach in {rounds} rounds")
    while high - low > 1e-3:
        mid = (low + high) / 2
        low, high = (low, mid) if spends(mid) <= target_epsilon else (mid, high)
    return high

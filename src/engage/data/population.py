"""Who the customers are: latent traits, demographics and account tier.

Latent traits (activity, sociality, commerce, creativity) are correlated normal
draws; every observable column is a noisy function of them, which is what gives
models something real to learn and the seed's correlations (§3.4) their sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engage.contract import GENDERS, US_STATES
from engage.data.random import truncated_normal

# Approximate 2020 census population shares (millions), in US_STATES order.
STATE_POPULATION = np.array([
    5.0, 0.7, 7.2, 3.0, 39.5, 5.8, 3.6, 1.0, 21.5, 10.7, 1.5, 1.8, 12.8, 6.8,
    3.2, 2.9, 4.5, 4.7, 1.4, 6.2, 7.0, 10.1, 5.7, 3.0, 6.2, 1.1, 2.0, 3.1,
    1.4, 9.3, 2.1, 20.2, 10.4, 0.8, 11.8, 4.0, 4.2, 13.0, 1.1, 5.1, 0.9, 6.9,
    29.1, 3.3, 0.6, 8.6, 7.7, 1.8, 5.9, 0.6,
])  # fmt: skip
GENDER_SHARES = np.array([0.48, 0.48, 0.04])
PREMIUM_SHARE = 0.30
LATENT_CORRELATION = 0.3
LATENTS = ("activity", "sociality", "commerce", "creativity")


@dataclass(frozen=True)
class Population:
    """Latent traits and demographics of one chunk of customers."""

    latent: dict[str, np.ndarray]
    age: np.ndarray
    gender: np.ndarray  # index into GENDERS
    location: np.ndarray  # index into US_STATES
    premium: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.age)


def draw_population(rng: np.random.Generator, n: int) -> Population:
    """Latents, age ~ N(32, 10) in 18..65, gender, state and a 70/30 free/premium split."""
    k = len(LATENTS)
    cov = np.full((k, k), LATENT_CORRELATION) + np.eye(k) * (1 - LATENT_CORRELATION)
    draws = rng.multivariate_normal(np.zeros(k), cov, n, method="cholesky")
    latent = {name: draws[:, i] for i, name in enumerate(LATENTS)}
    age = np.rint(truncated_normal(rng, 32.0, 10.0, 18.0, 65.0, n)).astype(np.int32)
    gender = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
    location = rng.choice(len(US_STATES), n, p=STATE_POPULATION / STATE_POPULATION.sum())
    premium = _premium_tier(rng, latent)
    return Population(latent, age, gender.astype(np.int8), location.astype(np.int8), premium)


def _premium_tier(rng: np.random.Generator, latent: dict[str, np.ndarray]) -> np.ndarray:
    """Exactly the top 30% of a propensity become premium; richer, busier users convert.

    Premium is confounded with commerce and activity on purpose: a naive premium vs
    free comparison overstates the true effect, which the ground truth records.
    """
    n = len(latent["commerce"])
    propensity = 0.6 * latent["commerce"] + 0.4 * latent["activity"] + rng.normal(0, 1, n)
    cutoff = np.quantile(propensity, 1 - PREMIUM_SHARE)
    return propensity > cutoff

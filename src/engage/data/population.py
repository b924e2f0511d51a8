"""Who the customers are: a persona, latent traits, demographics and account tier.

Every customer first gets one of the seed's personas (§3.5.3 use case 3) or the
noise share. The persona sets the centre of its latent traits (activity,
sociality, commerce, creativity), drawn around it with a within-persona spread
wide enough that neighbouring personas overlap; the noise share keeps the old,
persona-free correlated normal draw. Every observable column is a noisy function
of the latents (plus a few persona-specific habits in `behaviour`), which is what
gives models something real to learn, segmentation a structure to find, and the
seed's correlations (§3.4) their sign. The truth keeps each customer's persona.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engage.contract import GENDERS, US_STATES
from engage.contract import PERSONAS as PERSONA_NAMES
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

# Persona -> (population share, latent centre in LATENTS order). Shares sum to 1 with
# NOISE. Centres are spread so each persona leads on a different trait mix; the
# within-persona spread (PERSONA_SPREAD) makes neighbours overlap.
PERSONAS: dict[str, tuple[float, tuple[float, float, float, float]]] = {
    "power_user": (0.13, (1.5, 0.7, 0.5, 1.3)),
    "casual_browser": (0.20, (0.0, -0.4, -0.9, -0.8)),
    "gig_worker": (0.15, (0.3, -0.4, 1.8, -0.5)),
    "social_butterfly": (0.16, (0.4, 1.7, -0.4, 0.5)),
    "at_risk": (0.14, (-1.5, -0.3, -0.3, -0.9)),
    "new_user": (0.16, (-0.3, -1.1, -0.4, 0.6)),
}
NOISE = "noise"
NOISE_SHARE = 0.06
if (*PERSONAS, NOISE) != PERSONA_NAMES:  # codes index the contract's tuple; NOISE last
    raise ImportError("population.PERSONAS must match engage.contract.PERSONAS")
PERSONA_SPREAD = 0.40


@dataclass(frozen=True)
class Population:
    """Persona, latent traits and demographics of one chunk of customers."""

    latent: dict[str, np.ndarray]
    persona: np.ndarray  # index into PERSONA_NAMES
    age: np.ndarray
    gender: np.ndarray  # index into GENDERS
    location: np.ndarray  # index into US_STATES
    premium: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.age)

    def is_persona(self, name: str) -> np.ndarray:
        """Boolean mask of the customers of one persona."""
        return self.persona == PERSONA_NAMES.index(name)

    def persona_effect(self, effects: dict[str, float]) -> np.ndarray:
        """Per-customer offset: effects[persona] for the named personas, 0 elsewhere."""
        table = np.array([effects.get(name, 0.0) for name in PERSONA_NAMES])
        return table[self.persona]


def draw_population(rng: np.random.Generator, n: int) -> Population:
    """Persona, latents, age ~ N(32, 10) in 18..65, gender, state, 70/30 free/premium."""
    persona, draws = _persona_latents(rng, n)
    latent = {name: draws[:, i] for i, name in enumerate(LATENTS)}
    age = np.rint(truncated_normal(rng, 32.0, 10.0, 18.0, 65.0, n)).astype(np.int32)
    gender = rng.choice(len(GENDERS), n, p=GENDER_SHARES)
    location = rng.choice(len(US_STATES), n, p=STATE_POPULATION / STATE_POPULATION.sum())
    premium = _premium_tier(rng, latent)
    return Population(
        latent, persona, age, gender.astype(np.int8), location.astype(np.int8), premium
    )


def _persona_latents(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Persona codes and (n, 4) latents: persona centre + spread, or the noise draw.

    Why the noise share keeps the old correlated N(0, 1) draw: real populations have
    customers no persona describes, and a segmentation must cope with them.
    """
    shares = np.array([share for share, _ in PERSONAS.values()] + [NOISE_SHARE])
    persona = rng.choice(len(PERSONA_NAMES), n, p=shares / shares.sum()).astype(np.int8)
    centres = np.array([centre for _, centre in PERSONAS.values()] + [(0.0,) * len(LATENTS)])
    k = len(LATENTS)
    cov = np.full((k, k), LATENT_CORRELATION) + np.eye(k) * (1 - LATENT_CORRELATION)
    noise = rng.multivariate_normal(np.zeros(k), cov, n, method="cholesky")
    spread = np.where(persona == len(PERSONAS), 1.0, PERSONA_SPREAD)[:, None]
    return persona, centres[persona] + spread * noise


def _premium_tier(rng: np.random.Generator, latent: dict[str, np.ndarray]) -> np.ndarray:
    """Exactly the top 30% of a propensity become premium; richer, busier users convert.

    Premium is confounded with commerce and activity on purpose: a naive premium vs
    free comparison overstates the true effect, which the ground truth records.
    """
    n = len(latent["commerce"])
    propensity = 0.6 * latent["commerce"] + 0.4 * latent["activity"] + rng.normal(0, 1, n)
    cutoff = np.quantile(propensity, 1 - PREMIUM_SHARE)
    return propensity > cutoff

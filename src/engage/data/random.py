"""Deterministic random streams and small vectorised helpers shared by the generator.

Each component of a chunk draws from its own named child stream, so adding a
column to one component never shifts the random numbers of another.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, chunk: int, component: str) -> np.random.Generator:
    """A generator keyed by (seed, chunk index, component name)."""
    key = zlib.crc32(component.encode())
    return np.random.default_rng(np.random.SeedSequence([seed, chunk, key]))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def zscore(x: np.ndarray) -> np.ndarray:
    """Standardise; a constant column maps to zeros instead of NaN."""
    sd = float(np.std(x))
    return (x - float(np.mean(x))) / sd if sd > 0 else np.zeros_like(x, dtype=float)


def truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int
) -> np.ndarray:
    """Normal draws restricted to [lo, hi] by resampling (no pile-up at the bounds)."""
    out = rng.normal(mean, sd, n)
    bad = (out < lo) | (out > hi)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < lo) | (out > hi)
    return out


def choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)

"""Secure aggregation by pairwise masks (after Bonawitz et al., CCS 2017), simulated.

Each update is encoded in fixed point in the ring of integers mod 2^64. Every pair of
devices (i, j) shares a seed - in a real protocol agreed by Diffie-Hellman, here drawn
from the round's seed - and expands it into a mask vector; device i adds it when i < j
and subtracts it when i > j. A masked update alone is uniformly random to the server,
yet in the sum every mask meets its negative, so the sum of the masked vectors equals
the sum of the encoded updates exactly (integer arithmetic wraps, nothing is rounded).
Device dropout (recovering a missing device's masks by secret sharing) is not
simulated: docs/federated.md says what a deployment adds.
"""

from __future__ import annotations

import numpy as np

SCALE = float(2**24)  # fixed-point resolution: ~6e-8 per unit
WORD_BYTES = 8  # one uint64 per coordinate on the wire


def encode(vector: np.ndarray) -> np.ndarray:
    """Fixed-point ring elements (uint64, two's complement) of a float vector."""
    scaled = np.round(np.asarray(vector, dtype=np.float64) * SCALE)
    if np.any(np.abs(scaled) >= 2.0**62):
        raise OverflowError("update too large for the fixed-point ring; clip it first")
    return scaled.astype(np.int64).view(np.uint64)


def decode(ring: np.ndarray) -> np.ndarray:
    """Floats of a (summed) ring vector."""
    return ring.view(np.int64).astype(np.float64) / SCALE


def pair_masks(devices: int, length: int, round_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's mask (rows of the upper triangle) and the pairs they belong to.

    One mask per unordered pair (i < j), expanded from the round's seed: this stands in
    for the seed each pair would agree by Diffie-Hellman and expand with its own PRG.
    """
    first, second = np.triu_indices(devices, 1)
    rng = np.random.default_rng(round_seed)
    masks = rng.integers(0, 2**64, size=(len(first), length), dtype=np.uint64, endpoint=False)
    return masks, np.stack([first, second])


def _sum_by(owner: np.ndarray, masks: np.ndarray, devices: int) -> np.ndarray:
    """Per device, the wrapping sum of the mask rows it owns (a sorted segment sum)."""
    order = np.argsort(owner, kind="stable")
    owners, starts = np.unique(owner[order], return_index=True)
    out = np.zeros((devices, masks.shape[1]), dtype=np.uint64)
    if len(owners):
        out[owners] = np.add.reduceat(masks[order], starts, axis=0)
    return out


def net_masks(devices: int, length: int, round_seed: int) -> np.ndarray:
    """Each device's total mask: + its pair masks with higher ids, - those with lower."""
    masks, (first, second) = pair_masks(devices, length, round_seed)
    with np.errstate(over="ignore"):
        return _sum_by(first, masks, devices) - _sum_by(second, masks, devices)


def mask(encoded: np.ndarray, device_mask: np.ndarray) -> np.ndarray:
    """A device's encoded update plus its net mask (mod 2^64): what it uploads."""
    with np.errstate(over="ignore"):
        return encoded + device_mask


def ring_sum(vectors: list[np.ndarray]) -> np.ndarray:
    """The server's only computation: the sum of what it received, mod 2^64."""
    total = np.zeros_like(vectors[0])
    with np.errstate(over="ignore"):
        for v in vectors:
            total = total + v
    return total


def secure_sum(updates: list[np.ndarray], round_seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The exact sum of `updates` (in fixed point) and the masked vectors the server saw."""
    net = net_masks(len(updates), len(updates[0]), round_seed)
    masked = [mask(encode(u), net[i]) for i, u in enumerate(updates)]
    return decode(ring_sum(masked)), masked

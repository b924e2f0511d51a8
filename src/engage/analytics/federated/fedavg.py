"""Federated averaging (McMahan et al., AISTATS 2017) over simulated devices.

Each round the server sends the global weights to the sampled devices; each runs local
SGD epochs on its shard and returns its update (new minus global weights). Plainly and
with secure aggregation the server adds shard-size-weighted updates and divides by the
devices' total rows (the size travels as one more coordinate, masked with the rest). With
differential privacy the updates are clipped, noised and averaged with equal weight (a
device's size would otherwise leak, and bound nothing). Bytes on the wire are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engage.analytics.federated import privacy, secure
from engage.analytics.federated.model import LocalParams, local_sgd

FLOAT_BYTES = 4  # the global model goes down as float32; plain updates go up as float32


@dataclass(frozen=True)
class DpParams:
    """Differential privacy of the rounds: the clip bound and the noise it is scaled by."""

    clip: float
    noise_multiplier: float
    delta: float


@dataclass(frozen=True)
class FedParams:
    """One FedAvg training: rounds, local work, sampling and the protections applied."""

    rounds: int = 100
    local: LocalParams = field(default_factory=LocalParams)
    sample_rate: float = 1.0
    secure: bool = False
    dp: DpParams | None = None
    seed: int = 0


@dataclass
class Traffic:
    """Bytes each device sent (up) and received (down), summed over the rounds."""

    up: np.ndarray
    down: np.ndarray
    rounds_joined: np.ndarray

    def summary(self, rounds: int) -> dict:
        joined = np.maximum(self.rounds_joined, 1)
        return {
            "bytes_up_per_device_round": float(np.mean(self.up / joined)),
            "bytes_down_per_device_round": float(np.mean(self.down / joined)),
            "bytes_up_per_device_total": float(np.mean(self.up)),
            "bytes_up_max_device_total": float(np.max(self.up)),
            "rounds": rounds,
        }


@dataclass
class FedResult:
    weights: np.ndarray
    traffic: Traffic
    epsilon: float | None
    masked_example: np.ndarray | None = None  # one masked upload, for the record


def _updates(
    weights: np.ndarray, shards: list[tuple[np.ndarray, np.ndarray]], chosen: np.ndarray,
    params: FedParams, rng: np.random.Generator,
) -> list[np.ndarray]:  # fmt: skip
    """Each chosen device's upload vector: [weighted update, rows] or the DP update."""
    out = []
    for k in chosen:
        x, y = shards[k]
        delta = local_sgd(weights, x, y, params.local, rng) - weights
        if params.dp is None:
            out.append(np.append(len(y) * delta, len(y)))
            continue
        noisy = privacy.clip(delta, params.dp.clip) + privacy.noise_share(
            len(delta), params.dp.clip, params.dp.noise_multiplier, len(chosen), rng
        )
        out.append(noisy)
    return out


def _aggregate(
    uploads: list[np.ndarray], params: FedParams, round_seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The server's sum of the uploads, and one masked upload when they were masked."""
    if params.secure:
        total, masked = secure.secure_sum(uploads, round_seed)
        return total, masked[0]
    return np.sum(uploads, axis=0), None


def _upload_bytes(length: int, params: FedParams) -> int:
    return length * (secure.WORD_BYTES if params.secure else FLOAT_BYTES)


def train(shards: list[tuple[np.ndarray, np.ndarray]], dim: int, params: FedParams) -> FedResult:
    """Global weights after `params.rounds` of FedAvg from zeros (`dim` includes the bias)."""
    rng = np.random.default_rng(params.seed)
    weights = np.zeros(dim)
    devices = len(shards)
    traffic = Traffic(np.zeros(devices), np.zeros(devices), np.zeros(devices))
    accountant = (
        privacy.RdpAccountant(params.dp.noise_multiplier, params.sample_rate) if params.dp else None
    )
    expected = params.sample_rate * devices
    example = None
    for round_no in range(params.rounds):
        chosen = np.flatnonzero(rng.random(devices) < params.sample_rate)
        if accountant is not None:
            accountant.step()
        if len(chosen) == 0:
            continue
        uploads = _updates(weights, shards, chosen, params, rng)
        total, masked = _aggregate(uploads, params, params.seed * 100_003 + round_no)
        example = masked if masked is not None else example
        if params.dp is None:
            weights = weights + total[:-1] / total[-1]
        else:
            weights = weights + total / expected
        traffic.down[chosen] += dim * FLOAT_BYTES
        traffic.up[chosen] += _upload_bytes(len(uploads[0]), params)
        traffic.rounds_joined[chosen] += 1
    eps = accountant.spent(params.dp.delta) if accountant and params.dp else None
    return FedResult(weights, traffic, eps, example)

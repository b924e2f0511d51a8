"""Simulated devices: the customers split non-IID by state and device type.

Real federated data is not a random sample per device: a phone in Texas holds Texan
rows. Each shard holds the customers of one (location, device_type) cell, so states,
devices and churn rates differ between shards; a cell larger than `max_rows` is cut into
equal parts (more devices, still one cell each). The order is fixed by a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SHARD_KEYS = ("location", "device_type")
MIN_DEVICES = 50


@dataclass(frozen=True)
class Shard:
    """One simulated device: its id, its cell and the positions of its rows."""

    device_id: str
    cell: tuple[str, ...]
    rows: np.ndarray

    @property
    def size(self) -> int:
        return len(self.rows)


def split_devices(
    frame: pd.DataFrame, seed: int, max_rows: int = 2000, min_devices: int = MIN_DEVICES
) -> list[Shard]:
    """Shards of `frame` by (location, device_type), each at most `max_rows` rows."""
    missing = [k for k in SHARD_KEYS if k not in frame.columns]
    if missing:
        raise KeyError(f"cannot shard by device: the training data lacks column(s) {missing}")
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    rng = np.random.default_rng(seed)
    keys = frame[list(SHARD_KEYS)].astype(str)
    groups = keys.groupby(list(SHARD_KEYS), sort=True).indices
    shards: list[Shard] = []
    for cell, positions in groups.items():
        rows = rng.permutation(np.asarray(positions))
        parts = int(np.ceil(len(rows) / max_rows))
        for part, chunk in enumerate(np.array_split(rows, parts)):
            name = "-".join(cell) + (f"-{part}" if parts > 1 else "")
            shards.append(Shard(name, tuple(cell), np.sort(chunk)))
    if len(shards) < min_devices:
        raise ValueError(
            f"only {len(shards)} simulated devices from {len(frame)} rows; at least "
            f"{min_devices} are needed (more customers or a smaller max_rows)"
        )
    return shards

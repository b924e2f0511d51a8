"""Secure aggregation: one masked upload hides the update, the masked sum is exact."""

from __future__ import annotations

import numpy as np
import pytest

from engage.analytics.federated import secure


def _updates(devices: int, length: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.normal(0, 1, length) * (k + 1) for k in range(devices)]


def test_a_single_masked_update_is_not_the_clear_update() -> None:
    updates = _updates(6, 40)
    _, masked = secure.secure_sum(updates, round_seed=3)
    for clear, seen in zip(updates, masked, strict=True):
        assert not np.array_equal(seen, secure.encode(clear))
        # decoded as if it were an update, it is noise on the scale of the ring, not the update
        assert np.max(np.abs(secure.decode(seen) - clear)) > 1e6


def test_the_masked_sum_is_the_exact_sum_of_the_encoded_updates() -> None:
    updates = _updates(9, 25)
    total, masked = secure.secure_sum(updates, round_seed=11)
    exact = secure.ring_sum([secure.encode(u) for u in updates])
    assert np.array_equal(secure.ring_sum(masked), exact)  # bit for bit: the masks cancel
    assert np.allclose(total, np.sum(updates, axis=0), atol=len(updates) / secure.SCALE)


def test_masks_cancel_only_in_the_full_sum() -> None:
    updates = _updates(5, 10)
    _, masked = secure.secure_sum(updates, round_seed=1)
    partial = secure.decode(secure.ring_sum(masked[:-1]))
    assert np.max(np.abs(partial - np.sum(updates[:-1], axis=0))) > 1e6


def test_the_masks_change_every_round() -> None:
    updates = _updates(4, 8)
    _, first = secure.secure_sum(updates, round_seed=1)
    _, second = secure.secure_sum(updates, round_seed=2)
    assert not np.array_equal(first[0], second[0])


def test_negative_values_round_trip_and_huge_ones_are_refused() -> None:
    v = np.array([-1.5, 0.0, 2.25, -1e-3])
    assert np.allclose(secure.decode(secure.encode(v)), v, atol=1 / secure.SCALE)
    with pytest.raises(OverflowError, match="clip"):
        secure.encode(np.array([1e13]))

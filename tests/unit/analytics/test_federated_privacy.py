"""The RDP accountant: epsilon grows with rounds, shrinks with noise; clipping bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from engage.analytics.federated import privacy


def _spent(sigma: float, rounds: int, q: float = 1.0, delta: float = 1e-5) -> float:
    acc = privacy.RdpAccountant(sigma, q)
    acc.step(rounds)
    return acc.spent(delta)


def test_epsilon_grows_with_every_round() -> None:
    acc = privacy.RdpAccountant(noise_multiplier=2.0, sample_rate=0.3)
    spent = [acc.spent(1e-5)]
    for _ in range(10):
        acc.step()
        spent.append(acc.spent(1e-5))
    assert spent[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(spent))


def test_more_noise_less_sampling_and_larger_delta_spend_less() -> None:
    assert _spent(4.0, 20) < _spent(2.0, 20)
    assert _spent(2.0, 20, q=0.1) < _spent(2.0, 20, q=1.0)
    assert _spent(2.0, 20, delta=1e-3) < _spent(2.0, 20, delta=1e-6)


def test_full_participation_is_the_gaussian_mechanism_in_closed_form() -> None:
    sigma, rounds, delta = 3.0, 12, 1e-5
    closed = min(
        rounds * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in privacy.ORDERS
    )
    assert _spent(sigma, rounds, delta=delta) == pytest.approx(closed)
    # the subsampled formula at q -> 1 agrees with the closed form
    near_one = privacy.rdp_sampled_gaussian(1 - 1e-12, sigma, 8)
    assert near_one == pytest.approx(8 / (2 * sigma**2), rel=1e-6)


def test_calibrate_meets_the_target_and_no_less_noise_would() -> None:
    sigma = privacy.calibrate(4.0, 1e-5, rounds=15, sample_rate=1.0)
    assert _spent(sigma, 15) <= 4.0
    assert _spent(sigma - 0.01, 15) > 4.0


def test_clip_bounds_the_norm_and_keeps_short_updates() -> None:
    long, short = np.array([3.0, 4.0]), np.array([0.03, 0.04])
    assert np.linalg.norm(privacy.clip(long, 1.0)) == pytest.approx(1.0)
    assert np.array_equal(privacy.clip(short, 1.0), short)


def test_noise_shares_sum_to_the_stated_deviation() -> None:
    rng = np.random.default_rng(0)
    shares = [privacy.noise_share(20_000, 0.5, 2.0, 25, rng) for _ in range(25)]
    assert np.std(np.sum(shares, axis=0)) == pytest.approx(1.0, rel=0.03)


@pytest.mark.parametrize(("q", "delta"), [(0.0, 1e-5), (1.5, 1e-5), (1.0, 0.0)])
def test_bad_parameters_are_refused(q: float, delta: float) -> None:
    with pytest.raises(ValueError, match=r"sampling rate|delta"):
        _spent(1.0, 1, q=q, delta=delta)

"""Shards are non-IID and deterministic; weighted averaging recovers the central model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from engage.analytics.federated import features, fedavg, shards
from engage.analytics.federated.model import LocalParams, auc, fit_central, loss_and_grad
from engage.contract import US_STATES


def _customers(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    states = rng.choice(US_STATES[:20], n, p=np.linspace(1, 3, 20) / np.linspace(1, 3, 20).sum())
    devices = rng.choice(["mobile", "desktop", "tablet"], n, p=[0.6, 0.3, 0.1])
    return pd.DataFrame({"customer_id": range(n), "location": states, "device_type": devices})


def test_each_device_holds_one_state_and_device_type() -> None:
    frame = _customers(3000)
    split = shards.split_devices(frame, seed=1, max_rows=100)
    assert len(split) >= shards.MIN_DEVICES
    rows = np.concatenate([s.rows for s in split])
    assert sorted(rows) == list(range(len(frame)))  # every row on exactly one device
    for s in split:
        cell = frame.iloc[s.rows][["location", "device_type"]].drop_duplicates()
        assert len(cell) == 1 and tuple(cell.iloc[0]) == s.cell
        assert s.size <= 100


def test_the_split_is_non_iid_device_mix_differs_from_the_population() -> None:
    frame = _customers(3000)
    split = shards.split_devices(frame, seed=1, max_rows=100)
    mobile_share = [float((frame.iloc[s.rows]["device_type"] == "mobile").mean()) for s in split]
    assert set(mobile_share) == {0.0, 1.0}  # an IID split would give ~0.6 on every device
    assert len({s.size for s in split}) > 5  # shard sizes differ too


def test_the_split_is_deterministic_from_the_seed() -> None:
    frame = _customers(2000)
    a = shards.split_devices(frame, seed=5, max_rows=40)
    b = shards.split_devices(frame, seed=5, max_rows=40)
    c = shards.split_devices(frame, seed=6, max_rows=40)
    assert [s.rows.tolist() for s in a] == [s.rows.tolist() for s in b]
    assert [s.rows.tolist() for s in a] != [s.rows.tolist() for s in c]


def test_too_few_devices_and_missing_columns_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="simulated devices"):
        shards.split_devices(_customers(40), seed=0, max_rows=10_000)
    with pytest.raises(KeyError, match="device_type"):
        shards.split_devices(_customers(200).drop(columns="device_type"), seed=0)


def _problem(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ rng.normal(0, 1, d))))).astype(float)
    return x, y


def test_fedavg_on_identical_iid_shards_equals_central_training() -> None:
    """Every device holds the same rows: the weighted average of their identical local
    models is that model, and many rounds of it reach the central optimum."""
    x, y = _problem(300, 4, 0)
    local = LocalParams(epochs=1, batch_size=300, learning_rate=0.5, l2=1e-2)  # full batch
    params = fedavg.FedParams(rounds=400, local=local)
    result = fedavg.train([(x, y)] * 8, x.shape[1] + 1, params)
    central = fit_central(x, y, l2=1e-2)
    assert np.allclose(result.weights, central, atol=1e-4)
    secured = fedavg.train([(x, y)] * 8, x.shape[1] + 1, fedavg.FedParams(400, local, secure=True))
    assert np.allclose(secured.weights, result.weights, atol=1e-5)


def test_averaging_is_weighted_by_shard_size() -> None:
    """One round of full-batch GD on each shard, averaged by size, is one GD step on the
    pooled data (the gradient of the pooled mean loss is the size-weighted mean)."""
    x, y = _problem(200, 3, 1)
    cut = [0, 20, 70, 200]
    parts = [(x[a:b], y[a:b]) for a, b in itertools.pairwise(cut)]
    lr, l2 = 0.3, 0.0
    result = fedavg.train(parts, 4, fedavg.FedParams(1, LocalParams(1, 10_000, lr, l2)))
    _, grad = loss_and_grad(np.zeros(4), np.hstack([x, np.ones((200, 1))]), y, l2)
    assert np.allclose(result.weights, -lr * grad, atol=1e-12)


def test_traffic_counts_the_bytes_each_device_sends() -> None:
    x, y = _problem(100, 5, 2)
    local = LocalParams(1, 50, 0.1, 0.0)
    plain = fedavg.train([(x, y)] * 3, 6, fedavg.FedParams(4, local)).traffic
    secure = fedavg.train([(x, y)] * 3, 6, fedavg.FedParams(4, local, secure=True)).traffic
    # plain: 6 weights + the row count as float32; secure: the same 7 coordinates as uint64
    assert plain.summary(4)["bytes_up_per_device_round"] == 7 * 4
    assert secure.summary(4)["bytes_up_per_device_total"] == 4 * 7 * 8
    assert plain.summary(4)["bytes_down_per_device_round"] == 6 * 4


def test_dp_training_reports_the_epsilon_it_spent() -> None:
    x, y = _problem(100, 3, 3)
    dp = fedavg.DpParams(clip=0.5, noise_multiplier=1.5, delta=1e-5)
    result = fedavg.train([(x, y)] * 4, 4, fedavg.FedParams(5, dp=dp, secure=True))
    assert result.epsilon is not None and result.epsilon > 0
    assert fedavg.train([(x, y)] * 4, 4, fedavg.FedParams(5)).epsilon is None


def test_auc_matches_the_pair_counting_definition() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(200) < 0.3
    s = np.round(rng.random(200), 1)  # many ties
    pairs = [(p > n) + 0.5 * (p == n) for p in s[y] for n in s[~y]]
    assert auc(y, s) == pytest.approx(np.mean(pairs))
    with pytest.raises(ValueError, match="both classes"):
        auc(np.zeros(3), np.ones(3))


def test_features_refuse_a_missing_target_with_its_row() -> None:
    frame = pd.DataFrame({features.TARGET: [0, None, 1]})
    with pytest.raises(ValueError, match="row 1"):
        features.labels(frame)

"""LinTS and its offline evaluation (engage.analytics.bandit, bandit_eval)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.analytics import bandit, bandit_eval
from engage.analytics.bandit import K


def _problem(n: int = 2_000, seed: int = 1):
    """A simulated problem: each customer's best action depends on their signals."""
    rng = np.random.default_rng(seed)
    signals = rng.normal(size=(n, len(bandit.SIGNALS)))
    weights = rng.normal(0, 1.0, (K, signals.shape[1]))
    logits = -1.5 + signals @ weights.T

    def truth(cust, tod, last):
        return 1 / (1 + np.exp(-logits[cust]))

    return signals, truth


def test_lints_beats_uniform_and_a_fixed_rule_on_a_simulated_problem() -> None:
    signals, truth = _problem()
    rule = np.zeros(len(signals), dtype=np.int64)  # always the first action
    out = bandit_eval.simulate(truth, signals, rule, rounds=8_000, seed=3)
    regret = out["cumulative_regret"]
    assert regret["lints"] < 0.5 * regret["uniform"]
    assert regret["lints"] < regret["rule"]
    curve = out["regret_curve"]["lints"]
    # It learns: the regret of the last fifth is smaller than that of the first.
    assert curve[-1] - curve[-2] < curve[0]


def test_the_posterior_mean_recovers_a_linear_reward() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(5_000), rng.normal(size=(5_000, 3))])
    theta = rng.normal(size=(K, 4))
    actions = rng.integers(0, K, 5_000)
    rewards = np.einsum("nd,nd->n", x, theta[actions]) + rng.normal(0, 0.1, 5_000)
    model = bandit.LinTS(dim=4).fit(x, actions, rewards)
    assert np.abs(model.means(x[:100]) - x[:100] @ theta.T).max() < 0.05


def test_thompson_draws_explore_while_the_posterior_is_wide() -> None:
    x = np.ones((1_000, 1))
    fresh = bandit.LinTS(dim=1).choose(x, np.random.default_rng(0))
    assert len(np.unique(fresh)) == K  # no data: every action gets drawn


def test_ips_of_the_logging_policy_is_its_own_mean_reward() -> None:
    rng = np.random.default_rng(2)
    logged = rng.integers(0, K, 10_000)
    reward = rng.random(10_000) < 0.3
    uniform = np.full(10_000, 1 / K)
    out = bandit_eval.ips_value(uniform, reward, uniform)
    assert abs(out["ips"] - reward.mean()) < 1e-3
    replay = bandit_eval.replay_value(logged, logged, reward)
    assert replay["matched_events"] == 10_000


def test_an_unknown_category_names_the_column() -> None:
    with pytest.raises(ValueError, match=r"bandit_log\.action: 'dance'"):
        bandit.codes(pd.Series(["post_content", "dance"]), ("post_content",), "bandit_log.action")

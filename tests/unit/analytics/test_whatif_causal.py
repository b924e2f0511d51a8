"""The agent's premium what-if takes its engagement change from the causal uplift table."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from engage.agent import whatif


def _scenario(uplift: pd.DataFrame | None) -> SimpleNamespace:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "account_type": ["free", "free", "premium", "free"],
            "_engagement": [0.4, 0.5, 0.7, 0.3],
        }
    )
    return SimpleNamespace(frame=frame, uplift=uplift)


UPLIFT = pd.DataFrame(
    {"effect": [0.1, 0.2, 0.05], "lower": [0.0, 0.1, 0.0], "upper": [0.2, 0.3, 0.1],
     "run_id": ["r1"] * 3},
    index=pd.Index(["a", "b", "c"], name="customer_id"),
)  # fmt: skip


def test_premium_conversion_is_recognised_with_its_mediators_only() -> None:
    tier = ["account_type", "set", "premium"]
    assert whatif._is_premium_conversion([tier])
    assert whatif._is_premium_conversion([tier, ["premium_feature_usage_rate", "set", 0.5]])
    assert not whatif._is_premium_conversion([tier, ["avg_daily_logins", "scale", 2]])
    assert not whatif._is_premium_conversion([["account_type", "set", "free"]])


def test_causal_figures_sum_free_customers_effects_with_the_interval() -> None:
    scn = _scenario(UPLIFT)
    chosen = scn.frame.iloc[:3]  # a, b free; c already premium gains nothing
    f = whatif._causal_figures(scn, chosen)
    assert f["engagement_total_effect"] == pytest.approx(0.3)
    assert f["engagement_delta"] == pytest.approx(0.1)  # 0.3 over 3 changed customers
    assert f["engagement_delta_lower"] == pytest.approx(0.1 / 3)
    assert f["engagement_delta_upper"] == pytest.approx(0.5 / 3)
    assert f["population_engagement_delta"] == pytest.approx(0.3 / 4)
    assert f["engagement_after"] - f["engagement_before"] == pytest.approx(0.1)


def test_without_the_table_there_are_no_causal_figures() -> None:
    assert whatif._causal_figures(_scenario(None), _scenario(None).frame) is None
    other_run = UPLIFT.rename(index={"a": "x", "b": "y", "c": "z"})
    scn = _scenario(other_run)
    assert whatif._causal_figures(scn, scn.frame.iloc[[0, 1]]) is None  # no free one known

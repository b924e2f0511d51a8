"""The premium what-if answers from the run's causal uplift table, and says so."""

from __future__ import annotations

import pytest

from engage import bootstrap, lake
from engage.agent.session import Session
from engage.agent.whatif import CAUSAL


def test_premium_conversion_uses_the_causal_effects(fresh: Session) -> None:
    answer = fresh.ask("What's the predicted engagement uplift if we convert 10% of free users "
                       "to premium?")  # fmt: skip
    assert "causal model" in answer.text
    call = answer.tool_calls[0]
    assert call["args"]["method"] == CAUSAL
    store = bootstrap.object_store(fresh.settings)
    uplift = store.read_parquet(lake.PREMIUM_UPLIFT).to_pandas().set_index("customer_id")
    frame = store.read_parquet(lake.PROCESSED_INFERENCE).to_pandas()
    free = frame[frame["account_type"] == "free"].sample(frac=0.1, random_state=0)
    expected = uplift.loc[free["customer_id"], "effect"]
    assert answer.figures["engagement_total_effect"] == pytest.approx(float(expected.sum()))
    assert answer.figures["engagement_delta"] == pytest.approx(float(expected.mean()))
    lower, upper = (
        answer.figures["engagement_delta_lower"],
        answer.figures["engagement_delta_upper"],
    )
    assert lower <= answer.figures["engagement_delta"] <= upper

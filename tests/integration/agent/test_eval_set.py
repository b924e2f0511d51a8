"""The seed's 40 questions, and paraphrases, answered by the offline agent and graded
against reference computations made independently on the same run."""

from __future__ import annotations

import pytest

from engage.agent import eval as agent_eval
from engage.agent.session import Session

ITEMS = agent_eval.load()


def test_the_set_has_the_seeds_40_questions_with_paraphrases() -> None:
    assert [item["id"] for item in ITEMS] == list(range(1, 41))
    assert all(len(item["paraphrases"]) >= 2 for item in ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: f"q{item['id']:02d}")
def test_each_question_is_answered_with_the_reference_figures(fresh: Session, item: dict) -> None:
    expected, subset = agent_eval.reference(fresh.tools, item["reference"])
    answer = fresh.ask(item["question"])
    assert agent_eval.check(answer, item["intent"], expected, subset) == []
    assert answer.text and not answer.refused and answer.tool_calls
    assert answer.citations["run_id"].startswith("run_")


def test_paraphrases_are_answered_like_their_question(session: Session) -> None:
    report = agent_eval.evaluate(session)
    assert report["correct"] == 40
    assert report["paraphrase_accuracy"] >= 0.95, report["failures"]


def test_a_what_if_equals_the_served_model_scored_by_hand(fresh: Session) -> None:
    """Q31 recomputed without the agent: copy the inputs, change them, predict."""
    import numpy as np

    from engage import bootstrap, lake
    from engage.serving import load_served

    store = bootstrap.object_store(fresh.settings)
    frame = store.read_parquet(lake.PROCESSED_INFERENCE).to_pandas()
    _, model = load_served(store, "engagement")
    changed = frame.copy()
    changed["notification_click_rate"] = (changed["notification_click_rate"] * 1.2).clip(0, 1)
    delta = np.clip(model.predict(changed), 0, 1) - np.clip(model.predict(frame), 0, 1)
    answer = fresh.ask("If we improve notification click rate by 20%, how does engagement change?")
    assert answer.figures["engagement_delta"] == pytest.approx(float(delta.mean()), rel=1e-6)

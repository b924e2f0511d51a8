"""The development and held-out sets on a small run: accuracy, no wrong figure, no
unsafe answer. References are SQL written by hand, run on the same catalog."""

from __future__ import annotations

import pytest

from engage.agent.eval import sets
from engage.agent.session import Session


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_the_sets_are_large_enough_and_distinct(name: str) -> None:
    items = sets.load(name)
    assert len(items) >= (150 if name == "dev" else 100)
    dev = {i.get("q") for i in sets.load("dev")} - {None}
    assert name == "dev" or not dev & {i.get("q") for i in items}


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_a_set_is_answered_with_the_reference_figures(session: Session, name: str) -> None:
    report = sets.evaluate(session, name)
    assert report["unsafe"] == 0, report["failures"]
    assert report["accuracy"] >= 0.9, report["failures"]
    if name == "dev":  # tuned on: it must stay (almost) free of wrong figures
        assert report["wrong"] <= 0.02 * report["questions"], report["failures"]
    # The held-out set is never tuned on, so its wrong figures (4 of 105 at 1,500 rows
    # on 2026-12-02; target 0, issue 13) are reported by bench/agent.py, not hidden here
    # by a bar moved to fit them.

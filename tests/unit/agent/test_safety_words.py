"""Writes phrased as plain requests are refused; ordinary words near them are not."""

from __future__ import annotations

import pytest

from engage.agent.planner.safety import is_pii, is_write


@pytest.mark.parametrize(
    "question",
    [
        "make all texas customers premium",
        "please make the ohio customers free",
        "turn every free user into a premium one",
        "switch mobile users to desktop",
        "move texas users to the premium plan",
        "upgrade the churned users",
        "flip the churn flag of CUST_0000001",
    ],
)
def test_a_change_asked_in_plain_words_is_a_write(question: str) -> None:
    assert is_write(question)


@pytest.mark.parametrize(
    "question",
    [
        "make me a breakdown of churn by state",
        "make a list of top states by churn",
        "what if we make all users premium",
        "how many users switch to desktop",
        "which customers turn premium",
        "show the move to premium by state",
    ],
)
def test_reading_questions_with_those_verbs_are_not_writes(question: str) -> None:
    assert not is_write(question)


@pytest.mark.parametrize(
    "question",
    ["name the 3 states with the highest churn rate", "churn rate of phone users",
     "number of customers by gender", "how many customers named in the review queue"],
)  # fmt: skip
def test_ordinary_words_that_overlap_personal_data_are_not_pii(question: str) -> None:
    assert not is_pii(question)

"""The ethics policy where next-best actions are chosen (engage.analytics.nba_policy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.analytics import nba_policy
from engage.contract import NBA_ACTIONS

IDX = NBA_ACTIONS.index


def _customers(**over: list) -> pd.DataFrame:
    base = {
        "age": [30, 30, 30, 30],
        "time_of_day_active": ["night", "night", "evening", "night"],
        "avg_daily_logins": [10.0, 2.0, 10.0, 6.0],
        "avg_session_duration_min": [30.0, 30.0, 30.0, 30.0],  # 300, 60, 300, 180 min/day
    }
    return pd.DataFrame(base | over)


def test_the_vulnerability_rule_is_night_time_heavy_use() -> None:
    # 300 min at night: yes; 60 at night: no; 300 in the evening: no; exactly 180 at night: yes.
    assert nba_policy.vulnerable(_customers()).tolist() == [True, False, False, True]


def test_a_vulnerable_customer_is_never_nudged_even_when_the_bandit_prefers_it() -> None:
    frame = _customers()
    scores = np.zeros((4, len(NBA_ACTIONS)))
    scores[:, IDX("browse_feed")] = 10.0  # the bandit overwhelmingly wants the feed nudge
    scores[:, IDX("invite_friend")] = 9.0
    scores[:, IDX("search_gig")] = 1.0  # the best non-nudge
    names, index, outcome = nba_policy.check(
        scores, nba_policy.vulnerable(frame), nba_policy.minor(frame)
    )
    assert names.tolist() == ["search_gig", "browse_feed", "browse_feed", "search_gig"]
    assert outcome.tolist() == [
        nba_policy.BLOCKED_NUDGE, nba_policy.ALLOWED, nba_policy.ALLOWED, nba_policy.BLOCKED_NUDGE,
    ]  # fmt: skip
    assert index.tolist() == [
        IDX("search_gig"),
        IDX("browse_feed"),
        IDX("browse_feed"),
        IDX("search_gig"),
    ]
    assert nba_policy.outcome_counts(outcome)[nba_policy.BLOCKED_NUDGE] == 2


@pytest.mark.parametrize("nudge", sorted(nba_policy.NUDGES))
def test_every_nudge_is_blocked_for_the_vulnerable(nudge: str) -> None:
    scores = np.zeros((1, len(NBA_ACTIONS)))
    scores[0, IDX(nudge)] = 5.0
    names, _, _ = nba_policy.check(scores, np.array([True]), np.array([False]))
    assert names[0] not in nba_policy.NUDGES


def test_minors_and_unknown_ages_are_served_no_action() -> None:
    frame = _customers(age=[17, None, 18, 40])
    assert nba_policy.minor(frame).tolist() == [True, True, False, False]
    scores = np.random.default_rng(0).random((4, len(NBA_ACTIONS)))
    names, index, outcome = nba_policy.check(scores, np.zeros(4, bool), nba_policy.minor(frame))
    assert names[:2].tolist() == [nba_policy.NO_ACTION] * 2 and index[:2].tolist() == [-1, -1]
    assert outcome[:2].tolist() == [nba_policy.BLOCKED_MINOR] * 2
    assert set(names[2:]) <= set(NBA_ACTIONS)


def test_a_violation_that_got_through_fails_loudly() -> None:
    with pytest.raises(nba_policy.PolicyViolation, match="vulnerable"):
        nba_policy.assert_compliant(np.array(["browse_feed"]), np.array([True]), np.array([False]))
    with pytest.raises(nba_policy.PolicyViolation, match="minor"):
        nba_policy.assert_compliant(np.array(["search_gig"]), np.array([False]), np.array([True]))


def test_the_check_is_logged(caplog) -> None:
    caplog.set_level("INFO", logger=nba_policy.__name__)
    scores = np.zeros((1, len(NBA_ACTIONS)))
    scores[0, IDX("browse_feed")] = 1.0
    nba_policy.check(scores, np.array([True]), np.array([False]))
    assert "1 nudges blocked" in caplog.text

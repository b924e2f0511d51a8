"""Where next-best actions are chosen, the ethics rules that bound them (issue 18 item 2).

Three stated rules, applied to every served action (`check`) and asserted again on the
result (`assert_compliant`), so that no bandit preference, however strong, reaches a
customer it must not:

- Minors: a customer under ADULT_AGE, or whose age is unknown, is served no action at
  all (`NO_ACTION`). The contract refuses ages under 18, so this never fires on valid
  data; the guard exists so that a broken upstream check cannot turn into nudging a child.
- Vulnerable customers get no manipulative nudge. Vulnerable = night-time heavy use:
  most active at night (`time_of_day_active == "night"`, hours 22-05) and an estimated
  NIGHT_MINUTES or more in the app a day (avg_daily_logins x avg_session_duration_min).
  Heavy use concentrated at night is the pattern the seed's ethics note (001 §3.5.3,
  use case 1) and §2.4.10 ask us not to exploit.
- NUDGES: browse_feed (endless feed), invite_friend (social pressure to draw others in)
  and post_content (posting for reactions) pull a customer into more time on the app;
  send_message, search_gig and update_profile serve a task the customer already has.
  A vulnerable customer whose preferred action is a nudge gets the best non-nudge action.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from engage.contract import NBA_ACTIONS

ADULT_AGE = 18
NIGHT_MINUTES = 180.0
NUDGES = frozenset({"browse_feed", "invite_friend", "post_content"})
NO_ACTION = "no_action"
ALLOWED, BLOCKED_NUDGE, BLOCKED_MINOR = "allowed", "nudge_blocked_vulnerable", "blocked_minor"
OUTCOMES = (ALLOWED, BLOCKED_NUDGE, BLOCKED_MINOR)
_IS_NUDGE = np.array([a in NUDGES for a in NBA_ACTIONS])

log = logging.getLogger(__name__)


class PolicyViolation(AssertionError):
    """A served action broke an ethics rule: the stage must fail rather than publish it."""


def vulnerable(frame: pd.DataFrame) -> np.ndarray:
    """The stated vulnerability rule: night-time heavy use (see the module doc)."""
    night = frame["time_of_day_active"].astype(str).to_numpy() == "night"
    minutes = frame["avg_daily_logins"].to_numpy(float) * frame[
        "avg_session_duration_min"
    ].to_numpy(float)
    return night & (np.nan_to_num(minutes, nan=0.0) >= NIGHT_MINUTES)


def minor(frame: pd.DataFrame) -> np.ndarray:
    """Under ADULT_AGE, or age unknown (an unconfirmed adult is treated as a minor)."""
    age = pd.to_numeric(frame["age"], errors="coerce").to_numpy(float)
    return ~(age >= ADULT_AGE)


def check(
    scores: np.ndarray, is_vulnerable: np.ndarray, is_minor: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The served action per row from the policy's scores (n, actions), after the rules.

    Returns (served action names, index into NBA_ACTIONS or -1 for none, outcome)."""
    preferred = np.argmax(scores, axis=1)
    safe = np.argmax(np.where(_IS_NUDGE[None, :], -np.inf, scores), axis=1)
    blocked = is_vulnerable & _IS_NUDGE[preferred]
    index = np.where(blocked, safe, preferred)
    index = np.where(is_minor, -1, index)
    outcome = np.where(is_minor, BLOCKED_MINOR, np.where(blocked, BLOCKED_NUDGE, ALLOWED))
    names = np.array([*NBA_ACTIONS, NO_ACTION], dtype=object)[index]
    log.info(
        "policy check: %d served, %d nudges blocked (vulnerable), %d minors blocked",
        len(index), int(blocked.sum() - (blocked & is_minor).sum()), int(is_minor.sum()),
    )  # fmt: skip
    assert_compliant(names, is_vulnerable, is_minor)
    return names, index, outcome.astype(object)


def assert_compliant(served: np.ndarray, is_vulnerable: np.ndarray, is_minor: np.ndarray) -> None:
    """Raise PolicyViolation if any served action breaks a rule (defence in depth)."""
    served = np.asarray(served, dtype=object)
    nudged = is_vulnerable & np.isin(served, list(NUDGES))
    if nudged.any():
        raise PolicyViolation(f"{int(nudged.sum())} vulnerable customer(s) would be nudged")
    child = is_minor & (served != NO_ACTION)
    if child.any():
        raise PolicyViolation(f"{int(child.sum())} minor(s) would be served an action")


def outcome_counts(outcome: np.ndarray) -> dict[str, int]:
    """How many rows each policy outcome had (the report's logged check)."""
    return {o: int((np.asarray(outcome) == o).sum()) for o in OUTCOMES}

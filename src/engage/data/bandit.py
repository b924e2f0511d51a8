"""The next-best-action simulator (issue 18 item 2): true response model and logged data.

True response model: for customer c, time of day t, last action l and action a,
P(desired outcome) = sigmoid(logit_a(c) + TIME_OF_DAY_OFFSET[t, a] + AFTER_ACTION_OFFSET[l, a]),
with logit_a(c) = INTERCEPT[a] + WEIGHTS[a] . signals(c) + idiosyncratic N(0, IDIOSYNCRATIC)
(signals: engage.analytics.bandit.raw_signals, standardised per chunk). The per-customer
logits go to the ground-truth area only (truth_actions); the offsets are the constants
below. Night owls who use the app heavily respond most to the feed (a nudge), which is
exactly what the ethics policy must refuse to exploit.

Logged interactions (bandit_log, an ordinary input): EVENTS per customer over the last
LOG_DAYS days, each shown by the logging policy - the current rule with probability
1 - EPSILON, a uniform draw otherwise - with that policy's propensity and a Bernoulli
reward from the true model. The uniform part gives every action support for replay.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from engage import contract
from engage.analytics.bandit import K, raw_signals, rule_action, standardise
from engage.data.arrow import to_table
from engage.data.random import sigmoid

EVENTS, LOG_DAYS, EPSILON, IDIOSYNCRATIC = 5, 28, 0.5, 0.3
OWN_TIME_SHARE = 0.6  # share of events in the customer's own time_of_day_active
# Actions: post_content, browse_feed, send_message, search_gig, update_profile, invite_friend.
INTERCEPT = np.array([-2.0, -1.6, -1.9, -2.4, -2.3, -2.6])
# Signals: posting, messaging, gigs, networking, daily_minutes, recency, night_owl.
WEIGHTS = np.array(
    [
        [0.8, 0.0, -0.2, 0.2, 0.2, -0.2, 0.0],  # post_content
        [0.0, 0.0, 0.0, 0.0, 0.9, -0.3, 0.6],  # browse_feed
        [0.0, 0.8, 0.0, 0.3, 0.1, -0.2, 0.0],  # send_message
        [-0.2, 0.0, 0.9, 0.0, 0.0, 0.0, 0.0],  # search_gig
        [0.0, 0.0, 0.2, 0.0, -0.4, 0.6, 0.0],  # update_profile
        [0.0, 0.2, 0.0, 0.7, 0.2, 0.0, 0.3],  # invite_friend
    ]
)
TIME_OF_DAY_OFFSET = np.array(  # rows: morning, afternoon, evening, night
    [
        [-0.2, 0.0, 0.0, 0.4, 0.3, -0.2],
        [0.0, 0.0, 0.1, 0.3, 0.0, 0.0],
        [0.3, 0.1, 0.3, -0.2, 0.0, 0.2],
        [-0.3, 0.5, -0.2, -0.4, -0.2, 0.0],
    ]
)
AFTER_ACTION_OFFSET = np.full((K, K), 0.0) - 0.4 * np.eye(K)  # rows: last action
for _last, _next, _lift in ((0, 5, 0.3), (2, 0, 0.2), (3, 4, 0.3), (4, 3, 0.3), (1, 0, 0.2),
                            (5, 2, 0.3)):  # fmt: skip
    AFTER_ACTION_OFFSET[_last, _next] += _lift
# Hours per time of day (the generator's own mapping of peak_activity_hour).
HOURS = (
    (6, 7, 8, 9, 10, 11),
    (12, 13, 14, 15, 16),
    (17, 18, 19, 20, 21),
    (22, 23, 0, 1, 2, 3, 4, 5),
)


def true_probabilities(logits: np.ndarray, time_of_day: np.ndarray, last: np.ndarray) -> np.ndarray:
    """P(desired outcome) for every action: (n, K) from per-row customer logits (n, K)."""
    return sigmoid(logits + TIME_OF_DAY_OFFSET[time_of_day] + AFTER_ACTION_OFFSET[last])


def customer_logits(rng: np.random.Generator, customers: pd.DataFrame) -> np.ndarray:
    """The customer part of the true logits: (n, K)."""
    signals = standardise(raw_signals(customers))
    noise = rng.normal(0.0, IDIOSYNCRATIC, (len(customers), K))
    return INTERCEPT + signals @ WEIGHTS.T + noise


def simulate(rng: np.random.Generator, customers: pa.Table, as_of: dt.date) -> dict[str, pa.Table]:
    """bandit_log and truth_actions for one chunk's customers."""
    frame = customers.to_pandas()
    ids = customers.column("customer_id")
    logits = customer_logits(rng, frame)
    n, m = len(frame), len(frame) * EVENTS
    user = np.repeat(np.arange(n), EVENTS)
    own = pd.Categorical(frame["time_of_day_active"], categories=contract.TIMES_OF_DAY).codes
    tod = np.where(rng.random(m) < OWN_TIME_SHARE, own[user], rng.integers(0, 4, m))
    micros = _event_micros(rng, tod, n)
    order = np.argsort(micros.reshape(n, EVENTS), axis=1) + (np.arange(n) * EVENTS)[:, None]
    tod, micros = tod[order.ravel()], micros[order.ravel()]
    rule = rule_action(frame)[user]
    action = np.where(rng.random(m) < EPSILON, rng.integers(0, K, m), rule)
    propensity = EPSILON / K + (1 - EPSILON) * (action == rule)
    last = _last_actions(rng, action, n)
    p = true_probabilities(logits[user], tod, last)[np.arange(m), action]
    start = np.datetime64(as_of - dt.timedelta(days=LOG_DAYS), "us")
    names = np.array(contract.NBA_ACTIONS, dtype=object)
    log = {
        "customer_id": ids.take(pa.array(user)),
        "event_ts": pa.array(start + micros.astype("timedelta64[us]"), pa.timestamp("us")),
        "time_of_day": np.array(contract.TIMES_OF_DAY, dtype=object)[tod],
        "last_action": names[last],
        "action": names[action],
        "propensity": propensity,
        "reward": rng.random(m) < p,
    }
    truth = {"customer_id": ids} | {f"logit_{a}": logits[:, i] for i, a in enumerate(names)}
    return {
        "bandit_log": to_table(contract.BANDIT_LOG, log),
        "truth_actions": to_table(contract.TRUTH_ACTIONS, truth),
    }


def _last_actions(rng: np.random.Generator, action: np.ndarray, n: int) -> np.ndarray:
    """Each event's previous action: the customer's previous logged one (first: random)."""
    by_user = action.reshape(n, EVENTS)
    last = np.empty_like(by_user)
    last[:, 0] = rng.integers(0, K, n)
    last[:, 1:] = by_user[:, :-1]
    return last.ravel()


def _event_micros(rng: np.random.Generator, tod: np.ndarray, n: int) -> np.ndarray:
    """Microseconds after the log's start: a day in LOG_DAYS, an hour of the event's time of
    day, a random second; the event's index in the last digit keeps a customer's keys unique."""
    lengths = np.array([len(h) for h in HOURS])
    hours = np.zeros((len(HOURS), max(lengths)), dtype=np.int64)
    for t, h in enumerate(HOURS):
        hours[t, : len(h)] = h
    hour = hours[tod, (rng.random(len(tod)) * lengths[tod]).astype(int)]
    seconds = rng.integers(0, LOG_DAYS, len(tod)) * 86_400 + hour * 3600
    seconds += rng.integers(0, 3600, len(tod))
    return seconds * 1_000_000 + np.tile(np.arange(EVENTS), n)

"""Short posts, messages and reviews per customer, with known true sentiment and emotion.

Every text is assembled from a template, an optional intensifier, a topic of the
platform and one word of the lexicon below (invented by hand: no real person's text).
A word carries a valence (-1..+1) and one of the four emotions; the text's true
sentiment is that valence times the intensifier's factor, clipped to -1..+1, and its
true emotion is the word's. A customer's mood drives which words they use: it falls
with their true churn probability, so texts carry signal about churn the way real
complaints do, and the pipeline has to find out whether that signal adds to the
behavioural features.

Vectorised: each message is a tuple of small integer codes; only the distinct
combinations (a few thousand) are formatted as strings, then taken per message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage import contract
from engage.data.arrow import to_table

# (word, valence, emotion): the generator's lexicon, the source of the truth.
LEXICON: tuple[tuple[str, float, str], ...] = (
    ("amazing", 0.9, "joy"), ("fantastic", 0.85, "joy"), ("wonderful", 0.8, "joy"),
    ("delightful", 0.75, "joy"), ("great", 0.7, "joy"), ("fun", 0.6, "joy"),
    ("good", 0.5, "joy"), ("pleasant", 0.45, "joy"), ("nice", 0.4, "joy"),
    ("decent", 0.25, "joy"), ("fine", 0.15, "joy"), ("okay", 0.05, "joy"),
    ("meh", -0.15, "sadness"), ("dull", -0.3, "sadness"), ("lonely", -0.45, "sadness"),
    ("sad", -0.5, "sadness"), ("disappointing", -0.55, "sadness"),
    ("depressing", -0.75, "sadness"), ("heartbreaking", -0.85, "sadness"),
    ("annoying", -0.5, "anger"), ("ridiculous", -0.55, "anger"), ("frustrating", -0.6, "anger"),
    ("unacceptable", -0.7, "anger"), ("outrageous", -0.8, "anger"), ("terrible", -0.8, "anger"),
    ("infuriating", -0.85, "anger"), ("concerning", -0.4, "fear"), ("worrying", -0.5, "fear"),
    ("nerve-wracking", -0.55, "fear"), ("scary", -0.6, "fear"), ("unsafe", -0.65, "fear"),
    ("alarming", -0.7, "fear"), ("terrifying", -0.9, "fear"),
)  # fmt: skip
INTENSIFIERS: tuple[tuple[str, float], ...] = (
    ("", 1.0), ("really ", 1.25), ("very ", 1.2), ("a bit ", 0.6), ("extremely ", 1.4),
)  # fmt: skip
TOPICS = (
    "feed", "app", "gig payments", "messaging", "search", "support team", "premium plan",
    "notifications", "profile page", "community",
)  # fmt: skip
# Templates per channel (index into MESSAGE_CHANNELS): {i} intensifier, {w} word, {t} topic.
TEMPLATES: tuple[tuple[int, str], ...] = (
    (0, "Today the {t} feels {i}{w}."),
    (0, "Honestly, the {t} is {i}{w}!"),
    (0, "Anyone else think the {t} is {i}{w} lately?"),
    (1, "Hi, the {t} has been {i}{w} this week."),
    (1, "Just saying: the {t} is {i}{w}."),
    (2, "Review: {i}{w} {t} overall."),
    (2, "The {t} is {i}{w}, that is my verdict."),
    (2, "After a month I find the {t} {i}{w}."),
)
MEAN_MESSAGES, MAX_MESSAGES = 2.5, 8
OPT_IN_SHARE = 0.7  # share of customers consenting to sentiment analysis
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Messages:
    """One chunk's texts (restricted) and their truth, as contract tables."""

    messages: pa.Table
    truth: pa.Table


def draw_messages(
    rng: np.random.Generator, ids: pa.Array, churn_probability: np.ndarray, as_of: dt.date
) -> Messages:
    """Texts for every customer of a chunk; deterministic from the generator's stream."""
    n = len(ids)
    mood = np.clip(0.55 - 1.5 * churn_probability + rng.normal(0, 0.3, n), -1, 1)
    opt_in = rng.random(n) < OPT_IN_SHARE
    negative_emotion = rng.integers(1, 4, n)  # each customer's usual complaint: anger/sad/fear
    counts = rng.poisson(MEAN_MESSAGES, n).clip(0, MAX_MESSAGES)
    user = np.repeat(np.arange(n), counts)
    nth = np.arange(len(user)) - np.repeat(np.cumsum(counts) - counts, counts)
    codes = _draw_codes(rng, mood[user], negative_emotion[user])
    texts, true_sentiment, emotion = _render(codes)
    message_ids = _message_ids(ids, user, nth)
    sent_at = _timestamps(rng, len(user), as_of)
    channel = np.array([c for c, _ in TEMPLATES])[codes["template"]]
    msgs = to_table(
        contract.CUSTOMER_MESSAGES,
        {
            "message_id": message_ids, "customer_id": ids.take(pa.array(user)),
            "sent_at": sent_at, "message_text": texts, "sentiment_opt_in": opt_in[user],
        },
        {"channel": (channel, contract.MESSAGE_CHANNELS)},
    )  # fmt: skip
    truth = to_table(
        contract.TRUTH_MESSAGES,
        {"message_id": message_ids, "customer_id": msgs.column("customer_id"),
         "true_sentiment": true_sentiment},
        {"true_emotion": (emotion, contract.EMOTIONS)},
    )  # fmt: skip
    return Messages(msgs, truth)


def _draw_codes(rng: np.random.Generator, mood: np.ndarray, neg: np.ndarray) -> dict:
    """Template, intensifier and word per message: the word's valence is near the mood."""
    m = len(mood)
    intensifier = rng.integers(0, len(INTENSIFIERS), m)
    factor = np.array([f for _, f in INTENSIFIERS])[intensifier]
    wanted = np.clip(mood + rng.normal(0, 0.35, m), -1, 1)
    other = rng.random(m) < 0.3  # sometimes another negative emotion than the usual one
    emotion = np.where(wanted >= 0, 0, np.where(other, rng.integers(1, 4, m), neg))
    word = np.zeros(m, dtype=np.int64)
    valence = np.array([v for _, v, _ in LEXICON])
    word_emotion = np.array([contract.EMOTIONS.index(e) for _, _, e in LEXICON])
    for e in range(len(contract.EMOTIONS)):
        rows = np.flatnonzero(emotion == e)
        pool = np.flatnonzero(word_emotion == e)
        target = wanted[rows] / factor[rows]  # the word whose scaled valence is nearest
        nearest = np.abs(valence[pool][None, :] - target[:, None]).argmin(axis=1)
        word[rows] = pool[nearest]
    return {
        "template": rng.integers(0, len(TEMPLATES), m),
        "intensifier": intensifier,
        "word": word,
        "topic": rng.integers(0, len(TOPICS), m),
    }


def _render(codes: dict) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Texts, true sentiment and true emotion code per message."""
    t, i, w, p = codes["template"], codes["intensifier"], codes["word"], codes["topic"]
    key = ((t * len(INTENSIFIERS) + i) * len(LEXICON) + w) * len(TOPICS) + p
    distinct, inverse = np.unique(key, return_inverse=True)
    rendered = [_format(int(k)) for k in distinct]
    texts = pa.array(rendered, pa.string()).take(pa.array(inverse.astype(np.int64)))
    factor = np.array([f for _, f in INTENSIFIERS])[i]
    valence = np.array([v for _, v, _ in LEXICON])[w]
    true = np.round(np.clip(valence * factor, -1, 1), 4)
    emotion = np.array([contract.EMOTIONS.index(e) for _, _, e in LEXICON])[w]
    return texts, true, emotion


def _format(key: int) -> str:
    key, topic = divmod(key, len(TOPICS))
    key, word = divmod(key, len(LEXICON))
    template, intensifier = divmod(key, len(INTENSIFIERS))
    text = TEMPLATES[template][1].format(
        i=INTENSIFIERS[intensifier][0], w=LEXICON[word][0], t=TOPICS[topic]
    )
    return text[0].upper() + text[1:]


def _message_ids(ids: pa.Array, user: np.ndarray, nth: np.ndarray) -> pa.Array:
    numbers = pc.replace_substring(ids.take(pa.array(user)), "CUST_", "MSG_")
    return pc.binary_join_element_wise(numbers, pa.array(nth.astype(str)), "_")


def _timestamps(rng: np.random.Generator, m: int, as_of: dt.date) -> pa.Array:
    end = np.datetime64(dt.datetime.combine(as_of, dt.time()), "s") + np.timedelta64(1, "D")
    ago = rng.integers(1, HISTORY_DAYS * 86_400, m).astype("timedelta64[s]")
    stamps = (end - ago).astype("datetime64[us]")
    return pa.array(stamps, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))

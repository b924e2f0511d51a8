"""Sentiment (-1..+1) and emotion of short texts, offline (issue 18 item 4, use case 4).

Sentiment is VADER's compound score: a lexicon and rule-based scorer whose lexicon
ships inside the `vaderSentiment` wheel, so nothing downloads at run time. Emotion is
the most frequent of joy/anger/sadness/fear among the text's words in a small lexicon
shipped as package data (emotion_lexicon.toml); a text without an emotion word gets
joy when its score is positive, else sadness (the commonest negative emotion).

Why scoring is per distinct text: VADER runs in pure Python (~60 us a text), and
short platform texts repeat a lot; scoring the dictionary of distinct texts once and
taking the result per row makes 100K customers' texts a matter of seconds.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage.contract import EMOTIONS

LEXICON_FILE = Path(__file__).with_name("emotion_lexicon.toml")
ALERT_THRESHOLD = -0.5  # a message scoring below it raises a support alert
_WORD = re.compile(r"[a-z][a-z'-]*")
FALLBACK_POSITIVE, FALLBACK_NEGATIVE = EMOTIONS.index("joy"), EMOTIONS.index("sadness")


@dataclass(frozen=True)
class Scores:
    """Per text: VADER compound score (-1..+1) and emotion code (index into EMOTIONS)."""

    sentiment: np.ndarray
    emotion: np.ndarray
    distinct: int  # distinct texts actually scored

    def emotion_labels(self) -> np.ndarray:
        return np.asarray(EMOTIONS, dtype=object)[self.emotion]


@cache
def _analyzer():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def emotion_lexicon(path: Path = LEXICON_FILE) -> dict[str, int]:
    """word -> emotion code; a word listed under two emotions is refused (ambiguous)."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))["emotions"]
    unknown = sorted(set(table) - set(EMOTIONS))
    if unknown:
        raise ValueError(f"{path}: unknown emotions {unknown}; known: {', '.join(EMOTIONS)}")
    words: dict[str, int] = {}
    for emotion, listed in table.items():
        for word in listed:
            if word in words:
                raise ValueError(f"{path}: {word!r} is listed under two emotions")
            words[word] = EMOTIONS.index(emotion)
    return words


def score_text(text: str) -> tuple[float, int]:
    """(compound sentiment, emotion code) of one text."""
    compound = float(_analyzer().polarity_scores(text)["compound"])
    counts = np.zeros(len(EMOTIONS), dtype=np.int64)
    lexicon = emotion_lexicon()
    for word in _WORD.findall(text.lower()):
        if word in lexicon:
            counts[lexicon[word]] += 1
    if counts.any():
        return compound, int(counts.argmax())
    return compound, FALLBACK_POSITIVE if compound >= 0 else FALLBACK_NEGATIVE


def score_texts(texts: pa.Array | pa.ChunkedArray) -> Scores:
    """Score every text, each distinct text once; a null text is refused."""
    if texts.null_count:
        raise ValueError(f"{texts.null_count} texts are null; every message needs a text")
    encoded = pc.dictionary_encode(texts)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    scored = [score_text(t) for t in distinct]
    sentiment = np.array([s for s, _ in scored], dtype=np.float64).reshape(-1)
    emotion = np.array([e for _, e in scored], dtype=np.int64).reshape(-1)
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    return Scores(sentiment[idx], emotion[idx], len(distinct))


def aggregate(customer: np.ndarray, scores: Scores) -> dict[str, np.ndarray]:
    """Per customer (sorted ids): texts scored, mean and min score, share below the alert
    threshold, and the dominant emotion (commonest; ties go to the earlier emotion)."""
    ids, inverse = np.unique(customer, return_inverse=True)
    n = len(ids)
    count = np.bincount(inverse, minlength=n)
    mean = np.bincount(inverse, weights=scores.sentiment, minlength=n) / count
    low = np.full(n, np.inf)
    np.minimum.at(low, inverse, scores.sentiment)
    negative = np.bincount(inverse, weights=scores.sentiment < ALERT_THRESHOLD, minlength=n)
    votes = np.zeros((n, len(EMOTIONS)), dtype=np.int64)
    np.add.at(votes, (inverse, scores.emotion), 1)
    return {
        "customer_id": ids,
        "messages_scored": count,
        "mean_text_sentiment": np.round(mean, 4),
        "min_sentiment_score": np.round(low, 4),
        "negative_share": np.round(negative / count, 4),
        "dominant_emotion": np.asarray(EMOTIONS, dtype=object)[votes.argmax(axis=1)],
    }

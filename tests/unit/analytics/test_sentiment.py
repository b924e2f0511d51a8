"""The offline sentiment scorer, its grader and the churn-feature decision (issue 18)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engage.analytics import grade_sentiment, sentiment, sentiment_feature


def test_scores_are_signed_and_emotions_come_from_the_lexicon() -> None:
    scores = sentiment.score_texts(pa.array([
        "I love the new feed, it is wonderful!",
        "This is outrageous and I am furious.",
        "I feel so lonely and sad here.",
        "The payments page is scary and unsafe.",
        "The profile page is okay.",
    ]))  # fmt: skip
    assert scores.sentiment[0] > 0.5 and scores.sentiment[1] < -0.5
    assert list(scores.emotion_labels()) == ["joy", "anger", "sadness", "fear", "joy"]
    assert ((scores.sentiment >= -1) & (scores.sentiment <= 1)).all()


def test_each_distinct_text_is_scored_once_and_taken_per_row() -> None:
    texts = pa.chunked_array([["great app", "awful app"] * 500, ["great app"]])
    scores = sentiment.score_texts(texts)
    assert scores.distinct == 2 and len(scores.sentiment) == 1_001
    assert scores.sentiment[0] == scores.sentiment[-1] > 0 > scores.sentiment[1]


def test_a_null_text_is_refused() -> None:
    with pytest.raises(ValueError, match="1 texts are null"):
        sentiment.score_texts(pa.array(["fine", None]))


def test_aggregate_per_customer() -> None:
    scores = sentiment.Scores(np.array([0.5, -0.7, -0.9, 0.1]), np.array([0, 1, 1, 0]), 4)
    agg = sentiment.aggregate(np.array(["B", "A", "A", "B"]), scores)
    assert list(agg["customer_id"]) == ["A", "B"]
    assert list(agg["messages_scored"]) == [2, 2]
    assert list(agg["mean_text_sentiment"]) == [-0.8, 0.3]
    assert list(agg["min_sentiment_score"]) == [-0.9, 0.1]
    assert list(agg["negative_share"]) == [1.0, 0.0]
    assert list(agg["dominant_emotion"]) == ["anger", "joy"]


def test_an_ambiguous_lexicon_is_refused(tmp_path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text('[emotions]\njoy = ["calm"]\nfear = ["calm"]\n')
    with pytest.raises(ValueError, match="'calm' is listed under two emotions"):
        sentiment.emotion_lexicon(path)


def test_grades_perfect_random_and_bad_input() -> None:
    true = np.linspace(-1, 1, 50)
    labels = np.array(["joy", "anger", "sadness", "fear", "joy"] * 10)
    assert grade_sentiment.grade(true, labels, true, labels)["pearson_r"] == 1.0
    assert grade_sentiment.emotion_macro_f1(labels, labels) == 1.0
    shuffled = np.random.default_rng(0).permutation(labels)
    assert grade_sentiment.emotion_macro_f1(shuffled, labels) < 0.6
    with pytest.raises(ValueError, match="unknown emotion labels"):
        grade_sentiment.emotion_macro_f1(np.array(["joy"] * 50), np.array(["calm"] * 50))
    with pytest.raises(ValueError, match="non-constant"):
        grade_sentiment.sentiment_correlation(np.zeros(5), np.arange(5))


def _churn_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=n)  # what drives churn, seen only through the text feature
    frame = pd.DataFrame({
        "customer_id": [f"CUST_{i:07d}" for i in range(n)],
        "noise": rng.normal(size=n),
        "tier": rng.choice(["a", "b"], n),
        "churn_30_day": (rng.random(n) < 1 / (1 + np.exp(-2 * hidden))).astype(int),
    })  # fmt: skip
    return frame, hidden


def test_the_feature_is_kept_when_it_carries_signal_and_dropped_when_noise() -> None:
    frame, hidden = _churn_frame(3_000, 1)
    ids = frame["customer_id"]
    useful = pd.Series(-hidden, index=ids).iloc[:2_000]  # a third did not consent: NaN
    kept = sentiment_feature.decide(frame, useful, ["noise", "tier"])
    assert kept["decision"] == "kept"
    assert kept["validation_auc_with"] > kept["validation_auc_without"] + 0.05
    assert 0.6 < kept["feature_coverage"] < 0.74
    noise = pd.Series(np.random.default_rng(9).normal(size=3_000), index=ids)
    dropped = sentiment_feature.decide(frame, noise, ["noise", "tier"])
    assert dropped["decision"] == "dropped"


def test_too_little_training_data_is_not_evaluated() -> None:
    frame, _ = _churn_frame(50, 2)
    out = sentiment_feature.decide(frame, pd.Series(dtype=float), ["noise"])
    assert out["decision"] == "not_evaluated"

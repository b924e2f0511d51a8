"""Grade the sentiment scorer against the generator's truth (a report, never an input).

Pearson correlation between the scored and the true sentiment of the same texts, and
the emotion labels' macro-F1 over the four emotions (each emotion weighs the same,
so the rarer negative emotions count as much as joy).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from engage.contract import EMOTIONS


def sentiment_correlation(scored: np.ndarray, true: np.ndarray) -> float:
    """Pearson r of scored vs true sentiment; refuses fewer than two texts or constant input."""
    scored, true = np.asarray(scored, dtype=float), np.asarray(true, dtype=float)
    if len(scored) != len(true):
        raise ValueError(f"{len(scored)} scores for {len(true)} true values")
    if len(scored) < 2 or scored.std() == 0 or true.std() == 0:
        raise ValueError("correlation needs at least two texts and non-constant values")
    return float(np.corrcoef(scored, true)[0, 1])


def emotion_macro_f1(predicted: np.ndarray, true: np.ndarray) -> float:
    """Macro-F1 over EMOTIONS of predicted vs true labels (strings)."""
    labels = list(EMOTIONS)
    unknown = sorted((set(np.unique(predicted)) | set(np.unique(true))) - set(labels))
    if unknown:
        raise ValueError(f"unknown emotion labels {unknown}; known: {', '.join(labels)}")
    return float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0))


def grade(scored: np.ndarray, emotions: np.ndarray, true: np.ndarray, true_emotions) -> dict:  # type: ignore[no-untyped-def]
    """Both grades, rounded for the report, and the number of texts they cover."""
    return {
        "graded_messages": len(scored),
        "pearson_r": round(sentiment_correlation(scored, true), 4),
        "emotion_macro_f1": round(emotion_macro_f1(emotions, true_emotions), 4),
    }

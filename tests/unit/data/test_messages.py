"""The text generator (issue 18 item 4): templated texts with known sentiment and emotion."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from engage import contract
from engage.contract.validate import validate_table
from engage.data import messages

AS_OF = dt.date(2026, 10, 31)


def _draw(seed: int = 3, n: int = 3_000, churn: np.ndarray | None = None) -> messages.Messages:
    ids = pa.array([f"CUST_{i:07d}" for i in range(1, n + 1)])
    churn = np.random.default_rng(1).random(n) if churn is None else churn
    return messages.draw_messages(np.random.default_rng(seed), ids, churn, AS_OF)


def test_tables_conform_and_truth_matches_the_texts_row_by_row() -> None:
    out = _draw()
    assert validate_table(out.messages, contract.CUSTOMER_MESSAGES) == []
    assert validate_table(out.truth, contract.TRUTH_MESSAGES) == []
    assert out.messages.column("message_id").equals(out.truth.column("message_id"))
    assert len(set(out.messages.column("message_id").to_pylist())) == out.messages.num_rows
    assert "true_sentiment" not in out.messages.schema.names  # truth stays in its own table


def test_true_emotion_is_the_emotion_of_the_lexicon_word_in_the_text() -> None:
    out = _draw()
    words = {w: e for w, _, e in messages.LEXICON}
    texts = out.messages.column("message_text").to_pylist()[:500]
    emotions = out.truth.column("true_emotion").to_pylist()[:500]
    for text, emotion in zip(texts, emotions, strict=True):
        found = [w for w in words if f" {w}" in f" {text.lower()}".replace("!", " ")]
        assert emotion in {words[w] for w in found}, text


def test_deterministic_from_the_seed_and_different_across_seeds() -> None:
    a, b, c = _draw(3), _draw(3), _draw(4)
    assert a.messages.equals(b.messages) and a.truth.equals(b.truth)
    assert not a.messages.column("message_text").equals(c.messages.column("message_text"))


def test_customers_likely_to_churn_write_more_negatively() -> None:
    n = 4_000
    churn = np.r_[np.full(n // 2, 0.05), np.full(n // 2, 0.8)]
    out = _draw(n=n, churn=churn)
    number = np.array([int(c[5:]) for c in out.truth.column("customer_id").to_pylist()])
    true = out.truth.column("true_sentiment").to_numpy()
    assert true[number <= n // 2].mean() > true[number > n // 2].mean() + 0.5


def test_about_seventy_percent_of_customers_opt_in() -> None:
    table = out = _draw().messages
    per_customer = dict(zip(out.column("customer_id").to_pylist(),
                            table.column("sentiment_opt_in").to_pylist(), strict=True))  # fmt: skip
    share = np.mean(list(per_customer.values()))
    assert abs(share - messages.OPT_IN_SHARE) < 0.04

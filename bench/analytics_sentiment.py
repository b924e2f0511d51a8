"""Benchmark and grade the sentiment scorer against the generator's truth (issue 18).

For each size: generate the data (seed 42, parquet), then time the scorer on the texts
of consenting customers (`engage.analytics.sentiment.score_texts`, each distinct text
once) and the per-customer aggregation, and grade the scores against truth_messages:
Pearson r of the sentiment, macro-F1 of the emotions. The truth is read here only.
Usage: python bench/analytics_sentiment.py [--rows 100000]
Writes bench/results/analytics_sentiment.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from engage.analytics import grade_sentiment, sentiment
from engage.data import generate
from report import write_report  # bench/report.py (scripts run from bench/)


def measure(rows: int) -> dict:
    """Generation, scoring and aggregation times and the grades for one size."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "data"
        started = time.perf_counter()
        generate(rows, 42, out, ("parquet",))
        generated = time.perf_counter() - started
        messages = pq.read_table(out / "customer_messages.parquet")
        truth = pq.read_table(out / "truth_messages.parquet")
    consent = messages.column("sentiment_opt_in")
    texts, truth = messages.filter(consent), truth.filter(consent)
    started = time.perf_counter()
    scores = sentiment.score_texts(texts.column("message_text"))
    scored = time.perf_counter() - started
    started = time.perf_counter()
    customers = texts.column("customer_id").to_numpy(zero_copy_only=False).astype(str)
    agg = sentiment.aggregate(customers, scores)
    aggregated = time.perf_counter() - started
    grades = grade_sentiment.grade(
        scores.sentiment,
        scores.emotion_labels(),
        truth.column("true_sentiment").to_numpy(),
        truth.column("true_emotion").to_numpy(zero_copy_only=False),
    )
    return {
        "rows": rows,
        "messages": messages.num_rows,
        "messages_scored": texts.num_rows,
        "distinct_texts": scores.distinct,
        "customers_scored": len(agg["customer_id"]),
        "generate_seconds_all_tables": round(generated, 2),
        "score_seconds": round(scored, 2),
        "aggregate_seconds": round(aggregated, 3),
        **grades,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    runs = [measure(rows) for rows in args.rows]
    for run in runs:
        print(run)
    write_report("analytics_sentiment", runs)


if __name__ == "__main__":
    main()

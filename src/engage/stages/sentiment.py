"""Issue 18 use case 4: sentiment of customers' texts, between data preparation and training.

Reads `customer_messages` from the run's source folder, keeps only texts of customers
the run admitted (erased customers are already gone from the raw table) and writes
them to the restricted area, the only place the text ever lives. Only texts whose
author consented (`sentiment_opt_in`) are scored (engage.analytics.sentiment). Two
tables without any text go to the catalog: per-customer aggregates and the
support alerts (texts below -0.5, by id and score). Then the aggregate's value as a
churn feature is decided on validation carved from the training split
(engage.analytics.sentiment_feature); the decision and both AUCs are in the stage's
report. When the source folder has the generator's `truth_messages`, the scores are
graded against it, after scoring, for the report only. A source without messages is
skipped, not failed: texts are optional input.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage import contract, lake
from engage.analytics import grade_sentiment, sentiment, sentiment_feature
from engage.contract import outputs
from engage.data.arrow import contract_table
from engage.lake import TableName
from engage.privacy.restricted import restrict_local
from engage.stages.data_prep import conform, find_file, read_customers
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir

REPORT = "sentiment.json"


def read_messages(folder: Path) -> pa.Table | None:
    """The validated customer_messages file of the source folder, or None without one."""
    path = find_file(folder, contract.CUSTOMER_MESSAGES.name)
    if path is None:
        return None
    spec = contract.CUSTOMER_MESSAGES
    return conform(read_customers(path, spec), str(path), spec)


def keep_restricted(services: Services, messages: pa.Table) -> pa.Table:
    """Admitted customers' texts into the restricted area (owner-only locally), registered."""
    ids = services.store.read_parquet(lake.RAW_CUSTOMERS).column("customer_id")
    admitted = messages.filter(pc.is_in(messages.column("customer_id"), value_set=ids))
    services.store.write_parquet(lake.RESTRICTED_MESSAGES_FILE, admitted)
    restrict_local(services.store)
    services.sql.register_parquet(TableName.CUSTOMER_MESSAGES, lake.RESTRICTED_MESSAGES)
    return admitted


def output_tables(consenting: pa.Table, scores: sentiment.Scores, run_id: str) -> dict:
    """Per-customer aggregates and support alerts, typed by their contract entries."""
    customer = consenting.column("customer_id").to_numpy(zero_copy_only=False).astype(str)
    agg = sentiment.aggregate(customer, scores)
    agg["run_id"] = [run_id] * len(agg["customer_id"])
    alert = scores.sentiment < sentiment.ALERT_THRESHOLD
    rows = pa.array(np.flatnonzero(alert))
    alerts = {
        "message_id": consenting.column("message_id").take(rows),
        "customer_id": consenting.column("customer_id").take(rows),
        "channel": consenting.column("channel").take(rows),
        "sent_at": consenting.column("sent_at").take(rows),
        "sentiment_score": np.round(scores.sentiment[alert], 4),
        "emotion": scores.emotion_labels()[alert],
        "run_id": [run_id] * int(alert.sum()),
    }
    return {
        TableName.CUSTOMER_SENTIMENT: contract_table(outputs.CUSTOMER_SENTIMENT, agg),
        TableName.SUPPORT_ALERTS: contract_table(outputs.SUPPORT_ALERTS, alerts),
    }


def grade(folder: Path, consenting: pa.Table, scores: sentiment.Scores) -> dict | None:
    """Scores against the generator's truth_messages, if the source has it (report only)."""
    path = find_file(folder, contract.TRUTH_MESSAGES.name)
    if path is None or consenting.num_rows < 2:
        return None
    truth = conform(read_customers(path, contract.TRUTH_MESSAGES), str(path),
                    contract.TRUTH_MESSAGES)  # fmt: skip
    at = pc.index_in(consenting.column("message_id"), value_set=truth.column("message_id"))
    known = pc.is_valid(at).to_numpy(zero_copy_only=False)
    rows = pa.array(at.to_numpy(zero_copy_only=False)[known].astype(np.int64))
    return grade_sentiment.grade(
        scores.sentiment[known],
        scores.emotion_labels()[known],
        truth.column("true_sentiment").take(rows).to_numpy(),
        truth.column("true_emotion").take(rows).to_numpy(zero_copy_only=False),
    )


def churn_decision(services: Services, aggregates: pa.Table, seed: int) -> dict[str, object]:
    """Keep the average sentiment as a churn feature only if it lifts validation AUC."""
    training = services.store.read_parquet(lake.PROCESSED_TRAINING).to_pandas()
    feature = aggregates.to_pandas().set_index("customer_id")[sentiment_feature.FEATURE]
    inputs = [c for c in contract.MODEL_INPUTS if c in training.columns]
    decision = sentiment_feature.decide(training, feature, inputs, seed)
    # The decision is recorded; feeding a kept feature into the XGBoost churn model and
    # the live API's scoring is not wired yet, so the report says so instead of implying it.
    return {**decision, "used_by_churn_model": False}


def churn_card_entry(services: Services, run_id: str) -> dict[str, Any]:
    """{"sentiment_feature": this run's decision} for the churn model's metadata and card,
    or {} when the run scored no texts (no report, or a skipped stage)."""
    key = lake.report_key(run_id, REPORT)
    if not services.store.exists(key):
        return {}
    decision = json.loads(services.store.get_bytes(key)).get("churn_feature")
    return {"sentiment_feature": decision} if decision else {}


def metric_splits(metadata: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Both validation AUCs as `model_metrics` rows (split sentiment_feature_validation)."""
    decision = metadata.get("sentiment_feature") or {}
    if "validation_auc_with" not in decision:
        return {}
    return {
        "sentiment_feature_validation": {
            "auc_without_sentiment": decision["validation_auc_without"],
            "auc_with_sentiment": decision["validation_auc_with"],
            "sentiment_kept": float(decision["decision"] == "kept"),
        }
    }


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Score consenting customers' texts; publish aggregates and alerts; decide the feature."""
    run_id = run_id_of(event)
    folder = source_dir(event, services.settings)
    messages = read_messages(folder)
    if messages is None:
        return {"sentiment_status": "skipped", "run_id": run_id, "reason": "no customer_messages"}
    started = time.perf_counter()
    admitted = keep_restricted(services, messages)
    consenting = admitted.filter(admitted.column("sentiment_opt_in"))
    scores = sentiment.score_texts(consenting.column("message_text"))
    scored_seconds = time.perf_counter() - started
    tables = output_tables(consenting, scores, run_id)
    for name, table in tables.items():
        publish_table(services, name, lake.table_location(name).prefix, table)
    seed = int(event.get("seed", services.settings.seed))
    decision = churn_decision(services, tables[TableName.CUSTOMER_SENTIMENT], seed)
    summary = {
        "sentiment_status": "success",
        "run_id": run_id,
        "messages": admitted.num_rows,
        "messages_scored": consenting.num_rows,
        "messages_without_consent": admitted.num_rows - consenting.num_rows,
        "distinct_texts_scored": scores.distinct,
        "customers_scored": tables[TableName.CUSTOMER_SENTIMENT].num_rows,
        "support_alerts": tables[TableName.SUPPORT_ALERTS].num_rows,
        "grading": grade(folder, consenting, scores),
        "churn_feature": decision,
        "scoring_seconds": round(scored_seconds, 2),
        "stage_seconds": round(time.perf_counter() - started, 2),
    }
    services.save_report(run_id, REPORT, summary)
    return summary


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())

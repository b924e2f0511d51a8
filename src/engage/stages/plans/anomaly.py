"""Plan for the anomaly detector: an IsolationForest over behaviour, fitted on everyone.

Unsupervised, so there is no held-out metric to compare versions by: a version is
served once its run's data passed validation. What it is graded by, when the
source folder has the generator's ground truth, is precision in the top 100,
recall in the top 1% overall and by anomaly kind (bots, fake sellers, account
takeovers, data glitches; ceiling 1.0 each), beside two baselines on the same rows:
the best single-column threshold rule and a robust z-score (median/MAD). Scoring also
writes the seed's daily review report: the 100 most anomalous customers with the
three features that deviate most.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sklearn

from engage.lake import TableName
from engage.models import anomaly, baselines
from engage.models.grading import grade
from engage.models.params import params_for
from engage.serving import load_artefacts
from engage.stages.plans.base import (
    INFERENCE,
    FitContext,
    Fitted,
    LakeData,
    Scored,
    customers_with_truth,
)

REVIEW_TABLE = TableName.ANOMALY_REVIEW
REPORT_SIZE = 100


class AnomalyPlan:
    """IsolationForest (skops artefact) with a 0-1 score; > 0.9 goes to human review."""

    name = "anomaly"
    primary_metric = None
    higher_is_better = True
    relative_tolerance = False
    inputs = (INFERENCE,)
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("anomaly_score", pa.float64()),
            ("anomaly_flag", pa.bool_()),
        ]
    )

    def available(self, data: LakeData) -> str | None:
        return None

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted:
        frame = data.frame(INFERENCE)
        params = params_for(self.name)
        model = anomaly.AnomalyDetector(**params, random_state=ctx.seed, n_jobs=1).fit(frame)
        scores = model.score(frame)
        fit_stats = {
            "rows": float(len(frame)),
            "review_share": model.review_share_,
            "flagged": float((scores > anomaly.REVIEW_THRESHOLD).sum()),
        }
        grading = _grade(model, frame, scores, data)
        metadata = {
            "algorithm": f"scikit-learn {sklearn.__version__} IsolationForest",
            "params": model.to_params(),
            "target": None,
            "features": model.feature_names(),
            "training_rows": len(frame),
            "grading": grading,
            "intended_use": "Surface likely bots and fake sellers for human review "
            "(score > 0.9); never an automatic sanction.",
        }
        summary = {"flagged": int(fit_stats["flagged"])}
        if grading:
            summary["precision@100"] = grading["value"]
            summary["baseline_precision@100"] = grading["baseline_value"]
        return Fitted(model, model.to_bytes(), {"train": fit_stats}, metadata, summary)

    def load(self, artefact: Callable[[str], bytes]) -> anomaly.AnomalyDetector:
        return load_artefacts(self.name, artefact)

    def score(self, model: anomaly.AnomalyDetector, data: LakeData, threads: int) -> Scored:
        frame = data.frame(INFERENCE)
        scores = model.score(frame)
        table = pa.table(
            {
                "customer_id": pa.array(frame["customer_id"].astype(str)),
                "anomaly_score": pa.array(scores, pa.float64()),
                "anomaly_flag": pa.array(scores > anomaly.REVIEW_THRESHOLD),
            },
            schema=self.schema,
        )
        review = model.top_report(frame, REPORT_SIZE)
        review["report_date"] = datetime.now(UTC).date()
        report = {
            "flagged": int((scores > anomaly.REVIEW_THRESHOLD).sum()),
            "flag_share": float(np.mean(scores > anomaly.REVIEW_THRESHOLD)),
        }
        return Scored(
            table, report, {REVIEW_TABLE: pa.Table.from_pandas(review, preserve_index=False)}
        )


def _grade(
    model: anomaly.AnomalyDetector, frame: pd.DataFrame, scores: np.ndarray, data: LakeData
) -> dict[str, Any] | None:
    """precision@100 and recall by kind of the model and its two baselines (truth only here)."""
    aligned = customers_with_truth(frame, data.truth())
    if aligned is None:
        return None
    y = aligned["is_anomaly"].to_numpy(bool)
    kind = aligned["anomaly_kind"].to_numpy() if "anomaly_kind" in aligned else None
    report = anomaly.anomaly_report(y, scores)
    columns = [c for c in model.required_columns() if c in frame]
    rule = baselines.best_single_column_rule(frame, y, columns, REPORT_SIZE)
    robust = baselines.robust_z_scores(model.feature_matrix(frame))
    share = report["top_share"]
    candidates = {
        "model": scores,
        baselines.SINGLE_COLUMN: rule["scores"],
        baselines.ROBUST_Z: robust,
    }
    by_kind = (
        {name: baselines.recall_by_kind(kind, s, share) for name, s in candidates.items()}
        if kind is not None
        else {}
    )
    base = {
        baselines.SINGLE_COLUMN: rule[f"precision_at_{REPORT_SIZE}"],
        baselines.ROBUST_Z: baselines.precision_at(y, robust, REPORT_SIZE),
    }
    return grade(
        "precision_at_100", report["precision_at_100"], base, 1.0,
        **{k: v for k, v in report.items() if k != "precision_at_100"},
        single_column_rule=f"{rule['column']} ({rule['direction']})",
        recall_by_kind=by_kind,
        ceiling_by_kind=dict.fromkeys(by_kind.get("model", {}), 1.0),
    )  # fmt: skip


def merge_review(parts: list[pa.Table]) -> pa.Table:
    """The overall review list from the shards' own top-N lists (each shard's top N
    holds every customer of the overall top N that it has): the N most anomalous
    by raw score, ties by customer_id as in `top_report`, ranked again from 1."""
    frame = pa.concat_tables(parts).to_pandas()
    frame = frame.sort_values(["raw_score", "customer_id"], ascending=[False, True])
    frame = frame.head(REPORT_SIZE).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return pa.Table.from_pandas(frame, preserve_index=False)

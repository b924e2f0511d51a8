"""Responsible-AI steps every tabular plan takes: feature selection and fairness review.

Feature selection: the configured inputs (ENGAGE_MODEL_FEATURES, default all of the
contract's) are refused if any is a prohibited attribute; then proxy detection runs
once per training invocation on the training split, and proxies are excluded or
flagged (ENGAGE_PROXY_ACTION). Fairness review: the model's decision on the test
split is measured per gender, age band and region and put through the release gate
(settings `fairness_*`); the inference stage refuses to promote a version whose gate
failed. With ENGAGE_FAIRNESS_MITIGATION=threshold_optimizer the report adds what
fairlearn's ThresholdOptimizer (demographic parity, fitted on the training split)
would change, before and after, for the attribute with the worst disparate impact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engage.fairness.gate import FairnessGate
from engage.fairness.groups import protected_groups
from engage.fairness.metrics import decision_fairness
from engage.fairness.mitigation import apply_rules, threshold_optimizer_report
from engage.fairness.protected import check_features
from engage.fairness.proxy import proxy_report
from engage.models.features import FeatureSpec
from engage.qa.feedback import corrected_labels
from engage.settings import Settings
from engage.stages.plans.base import TRAINING, FitContext, LakeData


def training_spec(data: LakeData, ctx: FitContext) -> tuple[FeatureSpec, dict[str, Any]]:
    """The feature spec after the prohibited-attribute check and proxy detection."""
    settings = ctx.settings
    configured = check_features(settings.model_features)

    def detect() -> dict[str, Any]:
        return proxy_report(
            data.frame(TRAINING),
            configured,
            settings.proxy_threshold,
            settings.proxy_action,
            ctx.seed,
        )

    report = data.memo("proxy_report", detect)
    columns = tuple(c for c in configured if c not in report["excluded"])
    return FeatureSpec(columns, age_bins=settings.age_bins), report


def with_corrected_labels(
    data: LakeData, train: pd.DataFrame, target: str
) -> tuple[pd.DataFrame, int]:
    """The training split with reviewers' overrides as labels (the QA feedback loop).

    Only training rows change: the test split keeps the observed labels, so the
    metrics still measure the model against what happened.
    """
    corrections = data.memo("corrected_labels", lambda: corrected_labels(data.store))
    if corrections.empty:
        return train, 0
    fixed = corrections.set_index("customer_id")[target]
    hit = train["customer_id"].isin(fixed.index)
    if not hit.any():
        return train, 0
    train = train.copy()
    train.loc[hit, target] = train.loc[hit, "customer_id"].map(fixed).to_numpy()
    return train, int(hit.sum())


# decision -> (score column, decision column) in the plans' score tables
DECISION_COLUMNS = {
    "high_engagement": ("predicted_engagement_score", "engagement_category"),
    "retention_intervention": ("churn_probability", "intervention_flag"),
}


def apply_mitigation(
    table: pa.Table, fairness: dict[str, Any] | None, inputs: pd.DataFrame
) -> tuple[pa.Table, int]:
    """The score table with the version's mitigation rules applied to its decision.

    Returns the table and how many customers' decisions changed. A version trained
    without mitigation (no rules) is returned unchanged.
    """
    mitigation = (fairness or {}).get("mitigation") or {}
    if not mitigation.get("applied") or fairness["decision"] not in DECISION_COLUMNS:
        return table, 0
    score_column, decision_column = DECISION_COLUMNS[fairness["decision"]]
    score = table.column(score_column).to_numpy()
    groups = protected_groups(inputs)[mitigation["attribute"]]
    ids = inputs["customer_id"]
    decided = apply_rules(mitigation["rules"], groups, score, ids, fairness["threshold"])
    before = score > fairness["threshold"]
    if decision_column == "engagement_category":
        old = np.asarray(table.column(decision_column).to_pylist(), dtype=object)
        lower = np.where(old == "high", "medium", old)  # a 'high' taken away is 'medium'
        values = pa.array(np.where(decided, "high", lower), pa.string())
    else:
        values = pa.array(decided)
    index = table.schema.get_field_index(decision_column)
    return table.set_column(index, decision_column, values), int((decided != before).sum())


def gate_of(settings: Settings) -> FairnessGate:
    return FairnessGate(
        settings.fairness_min_di,
        settings.fairness_max_eod,
        settings.fairness_tolerance,
        settings.fairness_di_basis,
        settings.fairness_use_bounds,
    )


def fairness_review(
    test: pd.DataFrame,
    outcome: np.ndarray,
    score: np.ndarray,
    threshold: float,
    decision: str,
    ctx: FitContext,
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Fairness of `score > threshold` on the test split, the gate's verdict, mitigation."""
    settings = ctx.settings
    chosen = score > threshold
    report = decision_fairness(test, outcome, chosen, score, decision, settings.fairness_min_rows)
    passed, failures = gate_of(settings).check(report)
    review = {
        **report,
        "threshold": threshold,
        "gate": {
            "enforced": settings.fairness_gate,
            "passed": passed,
            "failures": failures,
            **gate_of(settings).as_dict(),
        },
    }
    if settings.fairness_mitigation == "threshold_optimizer" and train is not None:
        review["mitigation"] = threshold_optimizer_report(
            train, (test, outcome, score), threshold, report, ctx.seed, settings.fairness_min_rows
        )
    return review

"""Plans for the three XGBoost models on the customer table: engagement, churn, LTV.

All three train on the processed training split and are measured on the test
split (customers never seen in training). Engagement and churn explain every
customer with exact TreeSHAP; the trees are kept shallow (depth 4) and the
learning rate high so that this costs seconds, not minutes (shared FACTS: SHAP
cost grows with trees x leaves x depth²). Grading against the generator's ground
truth is recorded when the source folder has it; training never reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import xgboost as xgb

from engage.models import churn as churn_mod
from engage.models import explain, ltv, truth
from engage.models.engagement import TARGET as ENGAGEMENT_TARGET
from engage.models.engagement import EngagementModel
from engage.models.metrics import regression_metrics
from engage.models.params import params_for
from engage.models.subgroups import classification_scores, regression_scores, subgroup_metrics
from engage.models.tuned import params_with_tuning
from engage.serving import load_artefacts
from engage.stages.plans.base import (
    INFERENCE,
    TEST,
    TRAINING,
    FitContext,
    Fitted,
    LakeData,
    Scored,
    customers_with_truth,
    flat_floats,
)
from engage.stages.plans.responsible import (
    fairness_review,
    training_spec,
    with_corrected_labels,
)

HIGH_ENGAGEMENT, MEDIUM_ENGAGEMENT = 0.7, 0.4  # the seed's categories (sql final_results)


def _top(importance: dict[str, float], k: int = 5) -> list[str]:
    return sorted(importance, key=importance.__getitem__, reverse=True)[:k]


def _explained(
    booster: xgb.Booster, matrix: np.ndarray, names: list[str], best: int, threads: int
) -> tuple[explain.Contributions, dict[str, Any]]:
    """Exact TreeSHAP per customer, with the additivity check and its cost measured."""
    booster.set_param({"nthread": threads})
    started = time.perf_counter()
    contrib = explain.shap_values(booster, matrix, names, iteration_range=(0, best + 1))
    seconds = time.perf_counter() - started
    margin = booster.inplace_predict(matrix, iteration_range=(0, best + 1), predict_type="margin")
    error = float(np.max(np.abs(contrib.raw_prediction() - margin))) if len(matrix) else 0.0
    report = {
        "shap_seconds": round(seconds, 2),
        "shap_rows": len(matrix),
        "shap_additivity_max_error": error,
        "global_importance": explain.global_importance(contrib),
    }
    return contrib, report


class _CustomerTablePlan:
    """What the three plans share: the customer splits as input, always available."""

    higher_is_better = True
    relative_tolerance = False
    inputs = (TRAINING, TEST)

    def available(self, data: LakeData) -> str | None:
        return None


class EngagementPlan(_CustomerTablePlan):
    """XGBoost regressor on engagement_score (parameters: engage/models/params.toml)."""

    name = "engagement"
    primary_metric = "r2"
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("predicted_engagement_score", pa.float64()),
            ("engagement_category", pa.string()),
            ("engagement_top_features", explain.EXPLANATION_TYPE),
        ]
    )

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted:
        train, test = data.frame(TRAINING), data.frame(TEST)
        train, corrected = with_corrected_labels(data, train, ENGAGEMENT_TARGET)
        spec, selection = training_spec(data, ctx)
        params, tuning = params_with_tuning(data.store, self.name)  # `engage tune` promotions
        model = EngagementModel(**params, random_state=ctx.seed, n_jobs=ctx.threads, spec=spec)
        model.fit(train, train[ENGAGEMENT_TARGET].to_numpy(), on_round=ctx.on_round)
        ctx.progress("evaluating on the test split")
        y_test, pred = test[ENGAGEMENT_TARGET].to_numpy(), model.predict(test)
        y_train, pred_train = train[ENGAGEMENT_TARGET].to_numpy(), model.predict(train)
        fairness = fairness_review(
            test, y_test >= HIGH_ENGAGEMENT, pred, HIGH_ENGAGEMENT - 1e-12, "high_engagement",
            ctx, (train, y_train >= HIGH_ENGAGEMENT, pred_train),
        )  # fmt: skip
        metrics = {
            "train": regression_metrics(y_train, pred_train),
            "test": regression_metrics(y_test, pred),
        }
        importance = model.feature_importance()
        metadata = {
            "algorithm": f"xgboost {xgb.__version__} reg:squarederror",
            "params": model.to_params(),
            "best_iteration": model.best_iteration_,
            "target": ENGAGEMENT_TARGET,
            "features": list(model.spec.columns),
            "top_features": _top(importance),
            "training_rows": len(train),
            "test_rows": len(test),
            "subgroup_metrics": subgroup_metrics(test, y_test, pred, regression_scores),
            "feature_selection": selection,
            "fairness": fairness,
            "corrected_labels": corrected,
            "grading": _engagement_grade(test, metrics["test"]["r2"], data),
            **tuning,
            "intended_use": "Rank customers by expected daily engagement (0-1) for product "
            "and campaign prioritisation.",
        }
        return Fitted(
            model, model.to_bytes(), metrics, metadata, {"test_r2": metrics["test"]["r2"]}
        )

    def load(self, artefact: Callable[[str], bytes]) -> EngagementModel:
        return load_artefacts(self.name, artefact)

    def score(self, model: EngagementModel, data: LakeData, threads: int) -> Scored:
        frame = data.frame(INFERENCE)
        matrix = model.spec.matrix(frame)
        names = model.spec.feature_names()
        contrib, report = _explained(model.booster_, matrix, names, model.best_iteration_, threads)
        scores = np.clip(contrib.raw_prediction(), 0.0, 1.0)
        category = np.where(
            scores >= HIGH_ENGAGEMENT,
            "high",
            np.where(scores >= MEDIUM_ENGAGEMENT, "medium", "low"),
        )
        table = pa.table(
            {
                "customer_id": pa.array(frame["customer_id"].astype(str)),
                "predicted_engagement_score": pa.array(scores, pa.float64()),
                "engagement_category": pa.array(category, pa.string()),
                "engagement_top_features": explain.top_features(contrib),
            },
            schema=self.schema,
        )
        return Scored(table, report)


def _engagement_grade(test: pd.DataFrame, r2: float, data: LakeData) -> dict[str, Any] | None:
    aligned = customers_with_truth(test, data.truth())
    if aligned is None:
        return None
    ceiling = truth.engagement_r2_ceiling(
        test[ENGAGEMENT_TARGET].to_numpy(), aligned["expected_engagement"].to_numpy()
    )
    return {"metric": "r2", "value": r2, "ceiling": ceiling, "ratio": r2 / ceiling}


class ChurnPlan(_CustomerTablePlan):
    """XGBoost classifier on churn_30_day with a recall-targeted threshold."""

    name = "churn"
    primary_metric = "auc_roc"
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("churn_probability", pa.float64()),
            ("churn_prediction", pa.bool_()),
            ("intervention_flag", pa.bool_()),
            ("churn_top_features", explain.EXPLANATION_TYPE),
        ]
    )

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted:
        train, test = data.frame(TRAINING), data.frame(TEST)
        # recall_confidence (0.999) and why: engage/models/params.toml.
        spec, selection = training_spec(data, ctx)
        params, tuning = params_with_tuning(data.store, self.name)  # `engage tune` promotions
        model = churn_mod.ChurnModel(**params, random_state=ctx.seed, n_jobs=ctx.threads, spec=spec)
        model.fit(train, train[churn_mod.TARGET].to_numpy(), on_round=ctx.on_round)
        ctx.progress("evaluating on the test split")
        y_test, proba = test[churn_mod.TARGET].to_numpy(), model.predict_proba(test)
        limit = churn_mod.INTERVENTION_PROBABILITY
        fairness = fairness_review(
            test, y_test.astype(bool), proba, limit, "retention_intervention", ctx,
            (train, train[churn_mod.TARGET].to_numpy(bool), model.predict_proba(train)),
        )  # fmt: skip
        report = churn_mod.classification_report(y_test, proba, model.threshold_)
        by_group = subgroup_metrics(test, y_test, proba, classification_scores(model.threshold_))
        metrics = {
            "validation": flat_floats(model.validation_),
            "test": flat_floats(report),
        }
        importance = model.feature_importance()
        metadata = {
            "algorithm": f"xgboost {xgb.__version__} binary:logistic",
            "params": model.to_params(),
            "best_iteration": model.best_iteration_,
            "threshold": model.threshold_,
            "target": churn_mod.TARGET,
            "features": list(model.spec.columns),
            "top_features": _top(importance),
            "training_rows": len(train),
            "test_rows": len(test),
            "subgroup_metrics": by_group,
            "feature_selection": selection,
            "fairness": fairness,
            "reports": {"calibration": report["calibration"]},
            "grading": _churn_grade(test, model, report, data),
            **tuning,
            "intended_use": "Flag customers likely to churn within 30 days for retention "
            f"offers; the threshold targets {model.target_recall:.0%} recall, and "
            f"probability > {churn_mod.INTERVENTION_PROBABILITY} triggers an intervention.",
        }
        summary = {"test_auc": report["auc_roc"], "test_recall": report["recall"]}
        return Fitted(model, model.to_bytes(), metrics, metadata, summary)

    def load(self, artefact: Callable[[str], bytes]) -> churn_mod.ChurnModel:
        return load_artefacts(self.name, artefact)

    def score(self, model: churn_mod.ChurnModel, data: LakeData, threads: int) -> Scored:
        frame = data.frame(INFERENCE)
        matrix = model.spec.matrix(frame)
        names = model.spec.feature_names()
        contrib, report = _explained(model.booster_, matrix, names, model.best_iteration_, threads)
        proba = 1.0 / (1.0 + np.exp(-contrib.raw_prediction()))
        report["impact_units"] = "log-odds of churn"
        table = pa.table(
            {
                "customer_id": pa.array(frame["customer_id"].astype(str)),
                "churn_probability": pa.array(proba, pa.float64()),
                "churn_prediction": pa.array(proba >= model.threshold_),
                "intervention_flag": pa.array(proba > churn_mod.INTERVENTION_PROBABILITY),
                "churn_top_features": explain.top_features(contrib),
            },
            schema=self.schema,
        )
        return Scored(table, report)


def _churn_grade(
    test: pd.DataFrame, model: churn_mod.ChurnModel, report: dict[str, Any], data: LakeData
) -> dict[str, Any] | None:
    aligned = customers_with_truth(test, data.truth())
    if aligned is None:
        return None
    p_true = aligned["churn_probability"].to_numpy()
    ceiling = truth.churn_auc_ceiling(test[churn_mod.TARGET].to_numpy(), p_true)
    flagged = model.predict(test)
    return {
        "metric": "auc_roc",
        "value": report["auc_roc"],
        "ceiling": ceiling,
        "ratio": report["auc_roc"] / ceiling,
        "expected_recall": truth.churn_expected_recall(p_true, flagged),
    }


class LtvPlan(_CustomerTablePlan):
    """XGBoost quantile regression (p10/p50/p90) on lifetime_value_usd, conformalised."""

    name = "ltv"
    primary_metric = "p50_mae"
    higher_is_better = False
    relative_tolerance = True
    schema = pa.schema(
        [("customer_id", pa.string())] + [(f"ltv_p{q}", pa.float64()) for q in (10, 50, 90)]
    )

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted:
        train, test = data.frame(TRAINING), data.frame(TEST)
        spec, selection = training_spec(data, ctx)
        model = ltv.LtvModel(
            **params_for(self.name), random_state=ctx.seed, n_jobs=ctx.threads, spec=spec
        )
        model.fit(train, train[ltv.TARGET].to_numpy(), on_round=ctx.on_round)
        ctx.progress("evaluating on the test split")
        y_test, quantiles = test[ltv.TARGET].to_numpy(), model.predict_quantiles(test)
        report = ltv.interval_report(y_test, quantiles, model.raw_quantiles(test))
        test_metrics = flat_floats(report)
        test_metrics.update({f"pinball_{k}": v for k, v in report["pinball"].items()})
        importance = model.feature_importance()
        metadata = {
            "algorithm": f"xgboost {xgb.__version__} reg:quantileerror (CQR)",
            "params": model.to_params(),
            "best_iteration": model.best_iteration_,
            "cqr_adjustment": model.cqr_adjustment_,
            "target": ltv.TARGET,
            "features": list(model.spec.columns),
            "top_features": _top(importance),
            "training_rows": len(train),
            "test_rows": len(test),
            "subgroup_metrics": subgroup_metrics(test, y_test, quantiles[:, 1], regression_scores),
            "feature_selection": selection,
            "grading": _ltv_grade(test, report, data),
            "intended_use": "p10/p50/p90 of customer lifetime value for acquisition and "
            "re-engagement decisions (seed: acquire when CAC < 0.33 x LTV).",
        }
        summary = {"test_coverage": report["coverage"], "test_p50_mae": report["p50_mae"]}
        return Fitted(model, model.to_bytes(), {"test": test_metrics}, metadata, summary)

    def load(self, artefact: Callable[[str], bytes]) -> ltv.LtvModel:
        return load_artefacts(self.name, artefact)

    def score(self, model: ltv.LtvModel, data: LakeData, threads: int) -> Scored:
        frame = data.frame(INFERENCE)
        model.booster_.set_param({"nthread": threads})
        q = model.predict_quantiles(frame)
        table = pa.table(
            {
                "customer_id": pa.array(frame["customer_id"].astype(str)),
                "ltv_p10": pa.array(q[:, 0], pa.float64()),
                "ltv_p50": pa.array(q[:, 1], pa.float64()),
                "ltv_p90": pa.array(q[:, 2], pa.float64()),
            },
            schema=self.schema,
        )
        crossing = int((np.diff(q, axis=1) < 0).any(axis=1).sum())
        return Scored(table, {"crossing_rows": crossing, "mean_p50": float(q[:, 1].mean())})


def _ltv_grade(test: pd.DataFrame, report: dict[str, Any], data: LakeData) -> dict | None:
    aligned = customers_with_truth(test, data.truth())
    if aligned is None:
        return None
    floor = truth.ltv_mae_floor(test[ltv.TARGET].to_numpy(), aligned["ltv_median"].to_numpy())
    return {
        "metric": "coverage",
        "value": report["coverage"],
        "target": ltv.NOMINAL_COVERAGE,
        "p50_mae": report["p50_mae"],
        "p50_mae_floor": floor,
        "ratio": floor / report["p50_mae"],
    }

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
from sklearn.metrics import roc_auc_score

from engage.models import baselines, explain, ltv, truth
from engage.models import churn as churn_mod
from engage.models.engagement import TARGET as ENGAGEMENT_TARGET
from engage.models.engagement import EngagementModel
from engage.models.grading import grade
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
        "shap_method": contrib.method,
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
            "validation": model.validation_,
            "test": regression_metrics(y_test, pred),
        }
        base = _engagement_baselines(model, train, test, ctx)
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
            "grading": _engagement_grade(test, metrics["test"]["r2"], base, data),
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


def _matrices(model: Any, train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """(train, test, categorical mask) for the baselines: the model's own features, its
    categoricals as code columns (native categorical splits: a third of the columns)."""
    (x_tr, mask), (x_te, _) = model.spec.coded_matrix(train), model.spec.coded_matrix(test)
    return x_tr, x_te, mask


def _engagement_baselines(
    model: EngagementModel, train: pd.DataFrame, test: pd.DataFrame, ctx: FitContext
) -> dict[str, float]:
    """R² of gradient-boosting defaults and of the training mean on the same test rows."""
    x_tr, x_te, mask = _matrices(model, train, test)
    y_tr, y_te = train[ENGAGEMENT_TARGET].to_numpy(), test[ENGAGEMENT_TARGET].to_numpy()
    gbm = baselines.gbm_default_regressor(
        x_tr, y_tr, ctx.seed, threads=ctx.threads, categorical=mask
    )
    gbm = gbm.predict(x_te)
    mean = np.full(len(y_te), float(np.mean(y_tr)))
    return {
        baselines.GBM_DEFAULTS: regression_metrics(y_te, np.clip(gbm, 0.0, 1.0))["r2"],
        baselines.TRIVIAL: regression_metrics(y_te, mean)["r2"],
    }


def _engagement_grade(
    test: pd.DataFrame, r2: float, base: dict[str, float], data: LakeData
) -> dict[str, Any]:
    aligned = customers_with_truth(test, data.truth())
    ceiling = None
    if aligned is not None:
        ceiling = truth.engagement_r2_ceiling(
            test[ENGAGEMENT_TARGET].to_numpy(), aligned["expected_engagement"].to_numpy()
        )
    return grade("r2", r2, base, ceiling)


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
        base = _churn_baselines(model, train, test, ctx)
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
            "grading": _churn_grade(test, model, report, base, data),
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


def _churn_baselines(
    model: churn_mod.ChurnModel, train: pd.DataFrame, test: pd.DataFrame, ctx: FitContext
) -> dict[str, float]:
    """AUC of gradient-boosting defaults, of the legacy rules score and of a constant."""
    x_tr, x_te, mask = _matrices(model, train, test)
    y_tr = train[churn_mod.TARGET].to_numpy(bool)
    y_te = test[churn_mod.TARGET].to_numpy(bool)
    if not 0 < y_te.sum() < len(y_te) or not 0 < y_tr.sum() < len(y_tr):
        return {}
    fitted = baselines.gbm_default_classifier(x_tr, y_tr, ctx.seed, ctx.threads, mask)
    gbm = fitted.predict_proba(x_te)[:, 1]
    out = {baselines.GBM_DEFAULTS: float(roc_auc_score(y_te, gbm)), baselines.TRIVIAL: 0.5}
    if "churn_risk_score" in test:
        legacy = test["churn_risk_score"].to_numpy(np.float64, na_value=0.0)
        out["legacy_rules"] = float(roc_auc_score(y_te, legacy))
    return out


def _churn_grade(
    test: pd.DataFrame,
    model: churn_mod.ChurnModel,
    report: dict[str, Any],
    base: dict[str, float],
    data: LakeData,
) -> dict[str, Any]:
    aligned = customers_with_truth(test, data.truth())
    if aligned is None:
        return grade("auc_roc", report["auc_roc"], base)
    p_true = aligned["churn_probability"].to_numpy()
    ceiling = truth.churn_auc_ceiling(test[churn_mod.TARGET].to_numpy(), p_true)
    flagged = model.predict(test)
    return grade(
        "auc_roc", report["auc_roc"], base, ceiling,
        expected_recall=truth.churn_expected_recall(p_true, flagged),
        recall_confidence=model.confidence_,
    )  # fmt: skip


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
        base = _ltv_baselines(model, train, test, ctx)
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
            "grading": _ltv_grade(test, report, base, data),
            "intended_use": "p10/p50/p90 of customer lifetime value for acquisition and "
            "re-engagement decisions (seed: acquire when CAC < 0.33 x LTV).",
        }
        summary = {"test_coverage": report["coverage"], "test_p50_mae": report["p50_mae"]}
        metrics = {"validation": model.validation_, "test": test_metrics}
        return Fitted(model, model.to_bytes(), metrics, metadata, summary)

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


def _ltv_baselines(
    model: ltv.LtvModel, train: pd.DataFrame, test: pd.DataFrame, ctx: FitContext
) -> dict[str, float]:
    """p50 MAE (USD) of gradient-boosting defaults (absolute loss) and of the training median."""
    x_tr, x_te, mask = _matrices(model, train, test)
    y_tr, y_te = train[ltv.TARGET].to_numpy(np.float64), test[ltv.TARGET].to_numpy(np.float64)
    fitted = baselines.gbm_default_regressor(
        x_tr, y_tr, ctx.seed, "absolute_error", ctx.threads, mask
    )
    gbm = fitted.predict(x_te)
    return {
        baselines.GBM_DEFAULTS: float(np.mean(np.abs(np.maximum(gbm, 0.0) - y_te))),
        baselines.TRIVIAL: float(np.mean(np.abs(np.median(y_tr) - y_te))),
    }


def _ltv_grade(
    test: pd.DataFrame, report: dict[str, Any], base: dict[str, float], data: LakeData
) -> dict[str, Any]:
    """Graded on p50 MAE (vs its noise floor); interval coverage is kept beside it."""
    aligned = customers_with_truth(test, data.truth())
    floor = None
    if aligned is not None:
        floor = truth.ltv_mae_floor(test[ltv.TARGET].to_numpy(), aligned["ltv_median"].to_numpy())
    return grade(
        "p50_mae", report["p50_mae"], base, floor, higher_is_better=False,
        coverage=report["coverage"], target_coverage=ltv.NOMINAL_COVERAGE,
    )  # fmt: skip

"""The tools as JSON schemas: what an LLM planner is told it may call, and with what.

Kept apart from the implementations so the Converse and chat-completions planners
describe exactly the tools that `Tools.call` dispatches to.
"""

from __future__ import annotations

from typing import Any

from engage.agent.cohorts import COHORTS, SEGMENTS


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


_FILTERS = {
    "type": "array",
    "items": {"type": "array", "minItems": 3, "maxItems": 3},
    "description": "[column, op, value] conditions on final_results (op: = != < <= > >=)",
}
_COHORT = {"type": "string", "enum": list(COHORTS)}
_MODEL = {"type": "string", "enum": ["engagement", "churn", "ltv", "recommendation", "anomaly"]}
TOOL_SPECS: dict[str, dict[str, Any]] = {
    "run_sql": {
        "description": "Read-only SQL (Athena dialect), engagement_analytics/predictions only.",
        "schema": _obj({"sql": {"type": "string"}}, ["sql"]),
    },
    "compare_segments": {
        "description": "Mean of a metric and customers per segment (column or "
        + ", ".join(SEGMENTS) + ").",
        "schema": _obj(
            {"by": {"type": "string"}, "metric": {"type": "string"}, "cohort": _COHORT,
             "filters": _FILTERS},
            ["by"],
        ),
    },
    "correlation": {
        "description": "Correlation of a feature with a target, and target mean per quartile.",
        "schema": _obj(
            {"feature": {"type": "string"}, "target": {"type": "string"}, "cohort": _COHORT,
             "filters": _FILTERS},
            ["feature"],
        ),
    },
    "contrast": {
        "description": "Features that differ most between two cohorts.",
        "schema": _obj(
            {"group": _COHORT, "versus": _COHORT, "features": {"type": "array"},
             "filters": _FILTERS},
            ["group", "versus"],
        ),
    },
    "feature_stats": {
        "description": "Summary statistics per numeric feature.",
        "schema": _obj({"features": {"type": "array"}, "filters": _FILTERS}, []),
    },
    "distribution": {
        "description": "Customers per 0.1 band of a 0-1 score.",
        "schema": _obj({"metric": {"type": "string"}, "filters": _FILTERS}, []),
    },
    "data_quality": {"description": "Missing values, out-of-range values, anomalies.",
                     "schema": _obj({}, [])},
    "model_metrics": {"description": "Latest metrics of a model.",
                      "schema": _obj({"model": _MODEL}, [])},
    "feature_importance": {
        "description": "Mean |SHAP| per feature: the top or bottom k.",
        "schema": _obj(
            {"model": _MODEL, "k": {"type": "integer"},
             "order": {"type": "string", "enum": ["top", "bottom"]}},
            [],
        ),
    },
    "explain_customer": {
        "description": "Stored prediction and SHAP explanation of one customer.",
        "schema": _obj({"customer_id": {"type": "string"}}, ["customer_id"]),
    },
    "what_if": {
        "description": "Apply a change to a cohort and predict the change with the served models.",
        "schema": _obj(
            {"changes": {"type": "array", "description": "[feature, op, value] with op set, "
                         "scale, add or match_cohort"},
             "cohort": {"type": "string"}, "fraction": {"type": "number"}},
            ["changes"],
        ),
    },
    "run_plan": {
        "description": "A typed query plan over final_results (or a customer view): measures "
        "(count, share, mean, median, percentile, sum, min, max, std, corr), dimensions (a "
        "column or a bucket: age_band, region, ntile with n, seller), filters [{column, op, "
        "value}] (op: = != < <= > >= between in), share_of, order, limit, having. The "
        "semantic layer (columns, cohorts, views) is in the system prompt.",
        "schema": _obj({"plan": {"type": "object", "properties": {
            "measures": {"type": "array", "items": {"type": "object"}},
            "dimensions": {"type": "array", "items": {"type": "object"}},
            "filters": {"type": "array", "items": {"type": "object"}},
            "share_of": {"type": "array", "items": {"type": "object"}},
            "view": {"type": "string"}, "order": {"type": "string", "enum": ["asc", "desc"]},
            "limit": {"type": "integer"}, "having": {"type": "object"}}}}, ["plan"]),
    },
    "model_metric": {
        "description": "Named metrics (r2, rmse, auc_roc, recall, coverage, ndcg@10) of a model.",
        "schema": _obj({"model": _MODEL, "split": {"type": "string"},
                        "metrics": {"type": "array", "items": {"type": "string"}}}, ["model"]),
    },
    "fairness": {
        "description": "A fairness metric (di_ratio, selection_rate, dp_difference) by attribute.",
        "schema": _obj({"model": _MODEL, "metric": {"type": "string"}, "attribute": {
            "type": "string", "enum": ["gender", "age_band", "region"]}}, []),
    },
    "explain_churn": {
        "description": "The churn model's probability and SHAP explanation of one customer.",
        "schema": _obj({"customer_id": {"type": "string"}}, ["customer_id"]),
    },
    "counterfactual": {
        "description": "Single-feature changes predicted to raise one customer's engagement.",
        "schema": _obj({"customer_id": {"type": "string"}}, ["customer_id"]),
    },
    "levers": {
        "description": "Rank actionable features by the predicted effect of a one-std change.",
        "schema": _obj(
            {"cohort": {"type": "string"}, "target": {"type": "string",
             "enum": ["engagement", "churn"]}, "features": {"type": "array"}},
            [],
        ),
    },
}  # fmt: skip

"""Answer text written from tool results only: every number is read from a result.

One formatter per tool says what the rows show; a few intents add a sentence
that reads the same rows a particular way (a threshold, a break-even value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engage.agent.result import ToolResult


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _segments(r: ToolResult) -> str:
    metric = "churn rate" if "churn" in r.args["metric"] else f"mean {r.args['metric']}"
    parts = [
        f"{row['segment']}: {fmt(row['value'])} ({row['customers']} customers)" for row in r.rows
    ]
    head = f"By {r.args['by']}, {metric} is " + "; ".join(parts[:12])
    if len(r.rows) >= 2:
        top, low = r.rows[0], r.rows[-1]
        head += (
            f". Highest: {top['segment']} ({fmt(top['value'])}); lowest: {low['segment']} "
            f"({fmt(low['value'])}), a gap of {fmt(top['value'] - low['value'])}."
        )
    return head


def _correlation(r: ToolResult) -> str:
    corr = r.figures.get("correlation")
    strength = (
        "no"
        if corr is None
        else (
            "a strong"
            if abs(corr) >= 0.5
            else "a moderate"
            if abs(corr) >= 0.3
            else "a weak"
            if abs(corr) >= 0.1
            else "almost no"
        )
    )
    sign = "" if corr is None or abs(corr) < 0.1 else (" positive" if corr > 0 else " negative")
    quartiles = ", ".join(
        f"Q{row['quartile']} ({fmt(row['feature_min'])}-{fmt(row['feature_max'])}): "
        f"{fmt(row['target_mean'])}"
        for row in r.rows
    )
    cohort = "" if r.args["cohort"] == "all" else f" among {r.args['cohort']} customers"
    return (
        f"{r.args['feature']} has {strength}{sign} correlation with {r.args['target']}{cohort} "
        f"(r = {fmt(corr)}, {int(r.figures['customers'])} customers). Mean {r.args['target']} "
        f"by quartile of {r.args['feature']}: {quartiles}."
    )


def _contrast(r: ToolResult) -> str:
    g, v = r.args["group"], r.args["versus"]
    parts = [f"{row['feature']} ({fmt(row[g])} vs {fmt(row[v])})" for row in r.rows]
    return (
        f"Compared with {v} ({int(r.figures[f'{v}.customers'])} customers), {g} customers "
        f"({int(r.figures[f'{g}.customers'])}) differ most in: " + "; ".join(parts) + "."
    )


def _importance(r: ToolResult) -> str:
    which = "least" if r.args["order"] == "bottom" else "most"
    parts = [f"{row['feature']} ({fmt(row['mean_abs_shap'])})" for row in r.rows]
    version = r.rows[0]["model_version"] if r.rows else "?"
    return (
        f"The {which} important features of the {r.args['model']} model {version} by mean "
        f"|SHAP|: " + ", ".join(parts) + "."
    )


def _metrics(r: ToolResult) -> str:
    f = r.figures
    keys = [k for k in ("test.r2", "test.rmse", "test.mae", "test.auc_roc", "test.coverage",
                        "test.p50_mae", "train.r2", "train.rmse") if k in f]  # fmt: skip
    text = f"{r.args['model']} model {r.rows[0]['model_version']}: " + ", ".join(
        f"{k} = {fmt(f[k])}" for k in keys
    )
    if "train.r2" in f and "test.r2" in f:
        gap = f["train.r2"] - f["test.r2"]
        verdict = "small: no sign of strong overfitting" if gap < 0.05 else "large: overfitting"
        text += f". Train-test R² gap {fmt(gap)} ({verdict})"
    return text + "."


def _what_if(r: ToolResult) -> str:
    f = r.figures
    changes = ", ".join(f"{c[0]} {c[1]} {c[2]}" for c in r.args["changes"])
    interval = (
        f", 95% interval {f['engagement_delta_lower']:+.4f} to {f['engagement_delta_upper']:+.4f}"
        if "engagement_delta_lower" in f
        else ""
    )
    lead = r.args.get("method", "model prediction")  # agent.whatif: CAUSAL or FLAG_FLIP
    lead = lead[:1].upper() + lead[1:]
    return (
        f"{lead} when {changes} for {int(f['customers_changed'])} of "
        f"{int(f['cohort_customers'])} {r.args['cohort']} customers: their mean engagement "
        f"goes from {fmt(f['engagement_before'])} to {fmt(f['engagement_after'])} "
        f"({f['engagement_delta']:+.4f}{interval}; {f['population_engagement_delta']:+.4f} "
        f"over all customers)"
        + (f", churn probability {f['churn_delta']:+.4f}" if "churn_delta" in f else
           " (no churn model is served)")
        + (f", predicted LTV {f['ltv_delta_per_customer']:+,.2f} USD per changed customer "
           f"({f['ltv_delta_total']:+,.2f} USD in total)." if "ltv_delta_total" in f else
           " (no LTV model is served).")
    )  # fmt: skip


def _levers(r: ToolResult) -> str:
    key = "engagement_gain" if r.args["target"] == "engagement" else "churn_reduction"
    parts = [f"{row['feature']} ({row['change']:+.3g}: {row[key]:+.4f})" for row in r.rows[:5]]
    return (
        f"For {int(r.figures['cohort_customers'])} {r.args['cohort']} customers, moving one "
        "feature by one standard deviation, the models predict the largest "
        f"{key.replace('_', ' ')} from: " + "; ".join(parts) + "."
    )


def _stats(r: ToolResult) -> str:
    lines = [f"{row['feature']}: mean {fmt(row['mean'])}, std {fmt(row['std'])}, min "
             f"{fmt(row['min'])}, median {fmt(row['median'])}, max {fmt(row['max'])}, "
             f"missing {row['missing']}" for row in r.rows]  # fmt: skip
    return f"Summary statistics of {len(r.rows)} numeric features:\n" + "\n".join(lines)


def _quality(r: ToolResult) -> str:
    f = r.figures
    missing = [f"{k[8:]} ({int(v)})" for k, v in f.items() if k.startswith("missing.")]
    ranges = [f"{k[13:]} ({int(v)})" for k, v in f.items() if k.startswith("out_of_range.")]
    return (
        f"{int(f['rows'])} customers, {int(f['duplicate_ids'])} duplicate ids, "
        f"{int(f['anomaly_flags'])} flagged as anomalous. Missing values: "
        f"{', '.join(missing) or 'none'}. Values outside the contract's ranges: "
        f"{', '.join(ranges) or 'none'}."
    )


def _explain(r: ToolResult) -> str:
    if not r.rows:
        return f"No prediction is stored for {r.args['customer_id']}."
    row = r.rows[0]
    parts = [f"{i['feature']} ({i['impact']:+.3f})" for i in row["engagement_top_features"]]
    return (
        f"{row['customer_id']}: predicted engagement {fmt(row['predicted_engagement_score'])} "
        f"(model {row['engagement_model_version']}); top SHAP contributions: " + ", ".join(parts)
    )


def _plan(r: ToolResult) -> str:
    unit = r.args.get("unit", "customers")  # rows of a table whose rows are not customers
    if not r.rows:
        return f"No {unit} match those conditions."
    names = [_measure_name(m, unit) for m in r.args["measures"]]
    if "group" not in r.rows[0]:
        row = r.rows[0]
        values = [v for k, v in row.items() if k != "customers"]
        parts = [f"{n}: {fmt(v)}" for n, v in zip(names, values, strict=False)]
        return "; ".join(parts) + f" (over {row['customers']} {unit})."
    lead = ", ".join(names) + " by " + ", ".join(d["column"] for d in r.args["dimensions"]) + ": "
    head = [f"{row['group']}: " + ", ".join(fmt(v) for k, v in row.items()
            if k not in ("group", "customers")) + f" ({row['customers']} {unit})"
            for row in r.rows[:15]]  # fmt: skip
    more = f"; ... {len(r.rows) - 15} more groups" if len(r.rows) > 15 else ""
    return lead + "; ".join(head) + more + "."


def _measure_name(m: dict[str, Any], unit: str = "customers") -> str:
    func = {
        "count": f"number of {unit}",
        "share": "share (%)",
        "mean": "mean",
        "std": "standard deviation",
        "corr": "correlation",
    }.get(m["func"], m["func"])
    if m["func"] == "percentile":
        func = f"{round(float(m['arg']) * 100):g}th percentile"
    if m["func"] == "corr":
        return f"correlation of {m['column']} with {m['arg']}"
    if m["func"] == "share" and m["column"]:
        return f"share (%) with {m['column']}"
    return func if not m["column"] or m["func"] == "count" else f"{func} of {m['column']}"


def _metric(r: ToolResult) -> str:
    parts = [f"{row['metric']} = {fmt(row['value'])}" for row in r.rows]
    version = r.rows[0]["model_version"] if r.rows else "?"
    return f"{r.args['model']} model {version}, {r.args['split']} split: " + ", ".join(parts) + "."


def _fairness(r: ToolResult) -> str:
    a = r.args
    parts = [f"{row['group_value']}: {fmt(row['v'])}" for row in r.rows]
    verdict = all(row["passes_80_percent_rule"] for row in r.rows)
    return (f"{a['metric']} of the {a['model']} model by {a['attribute']}: " + "; ".join(parts)
            + f". Passes the 80% rule: {'yes' if verdict else 'no'}.")  # fmt: skip


def _churn(r: ToolResult) -> str:
    if not r.rows:
        return f"No prediction is stored for {r.args['customer_id']}."
    row = r.rows[0]
    parts = [f"{i['feature']} ({i['impact']:+.3f})" for i in row["churn_top_features"] or []]
    return (
        f"{row['customer_id']}: churn probability {fmt(row['churn_probability'])} (churn model "
        f"{row['churn_model_version']}, predicted to churn: {row['churn_prediction']}); the "
        "churn model's top SHAP contributions (positive raises the risk): " + ", ".join(parts)
    )


def _counterfactual(r: ToolResult) -> str:
    before = fmt(r.figures["predicted_engagement_score"])
    if not r.rows:
        return f"{r.args['customer_id']} (predicted engagement {before}): no single change helps."
    parts = [f"{h['feature']} {fmt(h['current'])} -> {fmt(h['suggested'])} (predicted "
             f"{fmt(h['predicted_after'])})" for h in r.rows]  # fmt: skip
    return (f"{r.args['customer_id']} has predicted engagement {before}. The engagement model "
            "predicts these single changes would raise it: " + "; ".join(parts) + ".")  # fmt: skip


def _sql(r: ToolResult) -> str:
    return f"The query returned {len(r.rows)} rows."


TOOL_TEXT: dict[str, Callable[[ToolResult], str]] = {
    "compare_segments": _segments, "distribution": _segments, "correlation": _correlation,
    "contrast": _contrast, "feature_importance": _importance, "model_metrics": _metrics,
    "what_if": _what_if, "levers": _levers, "feature_stats": _stats, "data_quality": _quality,
    "explain_customer": _explain, "run_sql": _sql, "run_plan": _plan, "model_metric": _metric,
    "fairness": _fairness, "explain_churn": _churn, "counterfactual": _counterfactual,
}  # fmt: skip


def _threshold(results: list[ToolResult]) -> str:
    rows = sorted(results[0].rows, key=lambda row: float(row["segment"]))
    total = sum(row["customers"] for row in rows)
    overall = sum(row["value"] * row["customers"] for row in rows) / total
    above = [float(row["segment"]) + 0.1 for row in rows if row["value"] > overall]
    if not above:
        return f"No engagement band has a churn rate above the overall {fmt(overall)}."
    return (
        f"Overall churn rate is {fmt(overall)}; every band with a higher rate lies below an "
        f"engagement score of {max(above):.1f}, so scores under {max(above):.1f} signal churn risk."
    )


LEADS: dict[str, Callable[[list[ToolResult]], str]] = {
    "churn_threshold": _threshold,
    "inactivity_days": lambda _: (
        "There is no day-by-day engagement history in this data; "
        "days since the last login measure how long engagement has been low."
    ),
    "cost_benefit_posts": lambda rs: (
        "The cost of an incentive is not in the data; the "
        f"predicted benefit is {rs[0].figures['ltv_delta_per_customer']:+,.2f} USD of LTV per "
        "customer, the break-even incentive cost per customer."
    ),
    "convert_premium": lambda rs: (
        "Changing only the tier flag: "
        f"{rs[0].figures['engagement_delta']:+.4f}; if converted users also used premium "
        f"features like typical premium users: {rs[1].figures['engagement_delta']:+.4f} mean "
        "engagement per converted user."
    ),
    "early_warning": lambda _: (
        "Tenure is measured by days since the first transaction (customers with 30 days or fewer)."
    ),
}


def render(intent: str, results: list[ToolResult]) -> str:
    """The answer's text: the intent's lead sentence (if any), then each result."""
    parts = [LEADS[intent](results)] if intent in LEADS else []
    parts += [TOOL_TEXT[r.tool](r) + _scope(r) for r in results]
    return "\n".join(parts)


def _scope(r: ToolResult) -> str:
    filters = r.args.get("filters") or []
    if not filters or r.tool == "run_plan":
        return ""
    return " (only customers with " + " and ".join(f"{c} {o} {v}" for c, o, v in filters) + ")"

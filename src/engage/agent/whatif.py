"""What-if with the served models: change a cohort's features, predict again.

ROI questions ("convert 10% of free users to premium") are answered by the
trained models, not by prose: the inference input of this run is copied, the
change applied (clipped to the contract's ranges), and the engagement, churn and
LTV models score both versions. These are statements about the models, not
causal effects - except for a premium conversion when the run published the
causal uplift table (engage.stages.premium_uplift): then the engagement change is
the sum/mean of the converted customers' estimated causal effects, with their
interval, and the answer says so. A flag flip through a predictive model recovers
only part of the true effect (premium's confounders already explain the rest of
the score), so it is used only when that table is absent, and the answer says that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engage import lake
from engage.agent.cohorts import FRAME_COHORTS
from engage.agent.result import ToolResult
from engage.analytics.uplift import EXCLUDED as PREMIUM_MEDIATORS
from engage.contract import CUSTOMERS
from engage.models.counterfactual import actionable_features
from engage.models.registry import ModelNotFoundError
from engage.serving import load_served

MODELS = ("engagement", "churn", "ltv")
CAUSAL = (
    "engagement estimated by the causal model (premium_uplift, a DR-learner; "
    "churn and LTV by the served models)"
)
FLAG_FLIP = "model prediction (flag flip: no causal premium_uplift table for this run)"


class Scenario:
    """The inference frame with baseline predictions, loaded once per Tools."""

    def __init__(self, store: Any) -> None:
        self.frame = store.read_parquet(lake.PROCESSED_INFERENCE).to_pandas()
        self.models: dict[str, tuple[str, Any]] = {}
        for name in MODELS:  # churn/LTV may not be served (e.g. blocked by the fairness gate)
            try:
                self.models[name] = load_served(store, name)
            except ModelNotFoundError:
                if name == "engagement":
                    raise ValueError(
                        "no engagement model is served yet: run `engage run`"
                    ) from None
        self.versions = {name: v for name, (v, _) in self.models.items()}
        base = self.predict(self.frame)
        self.frame["_engagement"], self.frame["_churn"], self.frame["_ltv"] = base
        self.uplift = _uplift_table(store)

    def predict(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Engagement, churn probability and LTV p50; NaN for a model that is not served."""
        missing = np.full(len(frame), np.nan)
        eng = np.clip(self.models["engagement"][1].predict(frame), 0, 1)
        churn = self.models["churn"][1].predict_proba(frame) if "churn" in self.models else missing
        ltv = self.models["ltv"][1].predict(frame) if "ltv" in self.models else missing
        return eng, churn, np.asarray(ltv, dtype=float)


def _uplift_table(store: Any) -> pd.DataFrame | None:
    """The run's per-customer premium effects, indexed by customer, or None without them."""
    if not store.list(lake.PREMIUM_UPLIFT):
        return None
    table = store.read_parquet(lake.PREMIUM_UPLIFT).to_pandas()
    return table.set_index("customer_id")[["effect", "lower", "upper", "run_id"]]


def _is_premium_conversion(changes: list[list[Any]]) -> bool:
    """Premium set, other changes only on what premium itself causes (its mediators)."""
    tier = [c for c in changes if c[0] == "account_type"]
    return tier == [["account_type", "set", "premium"]] and all(
        c[0] in PREMIUM_MEDIATORS for c in changes
    )


def _causal_figures(scn: Scenario, chosen: pd.DataFrame) -> dict[str, float] | None:
    """Engagement change of a premium conversion from the causal effects (None: none known).

    Customers already premium gain nothing; the others gain their estimated effect.
    The interval is the mean (and sum) of the customers' interval ends.
    """
    if scn.uplift is None or chosen.empty:
        return None
    free = chosen.loc[chosen["account_type"].astype(str) != "premium", "customer_id"].astype(str)
    known = scn.uplift.reindex(free.to_numpy()).dropna(subset=["effect"])
    if free.size and known.empty:
        return None
    n = float(len(chosen))
    before = float(chosen["_engagement"].mean())
    delta = float(known["effect"].sum()) / n
    return {
        "engagement_before": before,
        "engagement_after": before + delta,
        "engagement_delta": delta,
        "engagement_delta_lower": float(known["lower"].sum()) / n,
        "engagement_delta_upper": float(known["upper"].sum()) / n,
        "engagement_total_effect": float(known["effect"].sum()),
        "engagement_total_lower": float(known["lower"].sum()),
        "engagement_total_upper": float(known["upper"].sum()),
        "population_engagement_delta": float(known["effect"].sum()) / len(scn.frame),
        "customers_converted": float(len(known)),
    }


def _scenario(tools: Any) -> Scenario:
    if tools._models is None:
        if tools.store is None:
            raise ValueError("the what-if tool needs the lake's object store")
        tools._models = Scenario(tools.store)
    return tools._models


def _apply(
    frame: pd.DataFrame, feature: str, op: str, value: Any, scn: Scenario | None = None
) -> pd.DataFrame:
    out = frame.copy()
    col = CUSTOMERS.column(feature)
    if op == "match_cohort" and scn is not None:  # the typical value of another cohort
        source = _cohort(scn, str(value))[feature]
        out[feature] = source.mode().iloc[0] if col.is_categorical else source.median()
    elif op == "set":
        out[feature] = value
    elif op == "scale":
        out[feature] = out[feature] * float(value)
    elif op == "add":
        out[feature] = out[feature] + float(value)
    else:
        raise ValueError(f"unknown change {op!r}")
    if col.minimum is not None and not col.is_categorical:
        out[feature] = out[feature].clip(col.minimum, col.maximum)
    if col.dtype.value == "int":
        out[feature] = out[feature].round().astype(frame[feature].dtype)
    return out


def _cohort(scn: Scenario, cohort: str) -> pd.DataFrame:
    if cohort not in FRAME_COHORTS:
        raise ValueError(f"unknown cohort {cohort!r}; known: {', '.join(FRAME_COHORTS)}")
    if cohort == "high_churn_risk" and "churn" not in scn.models:
        raise ValueError("no churn model is served for this run, so churn risk is unknown")
    members = scn.frame[FRAME_COHORTS[cohort](scn.frame)]
    if members.empty:
        raise ValueError(f"no customers in cohort {cohort!r}")
    return members


def what_if(
    tools: Any, changes: list[list[Any]], cohort: str = "all", fraction: float = 1.0
) -> ToolResult:
    """Predicted change in engagement, churn and LTV when `fraction` of a cohort changes.

    `changes` is a list of [feature, op, value]; op is set, scale, add or match_cohort
    (value: a cohort whose median/mode the feature takes). `fraction` of the cohort is
    drawn with a fixed seed, so the same question gives the same answer. A premium
    conversion takes its engagement change from the causal model (see the module doc);
    `args["method"]` says which way the figures were made.
    """
    scn = _scenario(tools)
    members = _cohort(scn, cohort)
    chosen = members.sample(frac=fraction, random_state=0) if fraction < 1 else members
    changed = chosen
    for feature, op, value in changes:
        changed = _apply(changed, feature, op, value, scn)
    eng, churn, ltv = scn.predict(changed)
    n_all = len(scn.frame)
    figures = {
        "customers_changed": float(len(chosen)),
        "cohort_customers": float(len(members)),
        "engagement_before": float(chosen["_engagement"].mean()),
        "engagement_after": float(eng.mean()),
        "engagement_delta": float((eng - chosen["_engagement"]).mean()),
        "population_engagement_delta": float((eng - chosen["_engagement"]).sum() / n_all),
    }
    if "churn" in scn.models:
        figures["churn_delta"] = float((churn - chosen["_churn"]).mean())
    if "ltv" in scn.models:
        figures["ltv_delta_per_customer"] = float((ltv - chosen["_ltv"]).mean())
        figures["ltv_delta_total"] = float((ltv - chosen["_ltv"]).sum())
    args = {"changes": changes, "cohort": cohort, "fraction": fraction}
    sources = [f"model:{n}:{v}" for n, v in scn.versions.items()]
    if _is_premium_conversion(changes):
        causal = _causal_figures(scn, chosen)
        args["method"] = CAUSAL if causal else FLAG_FLIP
        if causal:
            figures |= causal
            sources.append(f"table:{lake.PREMIUM_UPLIFT}:{scn.uplift['run_id'].iloc[0]}")
    rows = [{"measure": k, "value": v} for k, v in figures.items()]
    return ToolResult("what_if", args, rows, figures, [], sources)


def levers(
    tools: Any, cohort: str = "all", target: str = "engagement", features: list[str] | None = None
) -> ToolResult:
    """Each actionable feature moved one population std in its better direction, ranked."""
    scn = _scenario(tools)
    if target == "churn" and "churn" not in scn.models:
        raise ValueError("no churn model is served for this run")
    members = _cohort(scn, cohort)
    names = features or [f for f in actionable_features() if f in scn.frame.columns]
    rows = []
    for name in names:
        step = float(scn.frame[name].std())
        best: dict[str, Any] | None = None
        for sign in (1.0, -1.0):
            eng, churn, _ = scn.predict(_apply(members, name, "add", sign * step))
            gain = (
                float((eng - members["_engagement"]).mean())
                if target == "engagement"
                else float((members["_churn"] - churn).mean())
            )
            if best is None or gain > best["gain"]:
                best = {"feature": name, "change": sign * step, "gain": gain}
        rows.append(best)
    rows.sort(key=lambda r: (-r["gain"], r["feature"]))
    key = "engagement_gain" if target == "engagement" else "churn_reduction"
    rows = [{"feature": r["feature"], "change": r["change"], key: r["gain"]} for r in rows]
    figures = {r["feature"]: r[key] for r in rows}
    figures["cohort_customers"] = float(len(members))
    args = {"cohort": cohort, "target": target, "features": features}
    sources = [f"model:{n}:{v}" for n, v in scn.versions.items()]
    return ToolResult("levers", args, rows, figures, [], sources)


def counterfactual(tools: Any, customer_id: str) -> ToolResult:
    """Single-feature moves that the engagement model predicts would raise one customer's
    engagement (to the high band, 0.7, or by 0.05 when already there)."""
    from engage.models.counterfactual import Goal, counterfactual_hints

    scn = _scenario(tools)
    row = scn.frame[scn.frame["customer_id"] == customer_id]
    if row.empty:
        raise ValueError(f"no customer {customer_id} in this run's inference input")
    model = scn.models["engagement"][1]
    before = float(row["_engagement"].iloc[0])
    goal = Goal(max(0.7, min(1.0, before + 0.05)), True, "higher engagement")
    inputs = [c for c in scn.frame.columns if not c.startswith("_")]
    hints = counterfactual_hints(
        lambda batch: np.clip(model.predict(batch), 0, 1), row[inputs], scn.frame[inputs], goal
    )
    rows = [
        {"feature": h.feature, "current": h.current_value, "suggested": h.suggested_value,
         "predicted_after": h.predicted_after, "reaches_goal": h.reaches_goal}
        for h in hints
    ]  # fmt: skip
    figures = {"predicted_engagement_score": before}
    figures |= {f"after.{h.feature}": h.predicted_after for h in hints}
    sources = [f"model:engagement:{scn.versions['engagement']}"]
    return ToolResult("counterfactual", {"customer_id": customer_id}, rows, figures, [], sources)

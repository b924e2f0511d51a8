"""The five model plans, by registry name (loading what is served: `engage.serving`).

Order matters only for display: it is the order of the seed's §3.5.1 list.
"""

from __future__ import annotations

from engage.models.registry import ModelNotFoundError
from engage.stages.plans.anomaly import AnomalyPlan
from engage.stages.plans.base import (
    FitContext,
    Fitted,
    LakeData,
    ModelPlan,
    Scored,
    model_threads,
)
from engage.stages.plans.recommendation import RecommendationPlan
from engage.stages.plans.tabular import ChurnPlan, EngagementPlan, LtvPlan

PLANS: dict[str, ModelPlan] = {
    plan.name: plan
    for plan in (EngagementPlan(), ChurnPlan(), LtvPlan(), RecommendationPlan(), AnomalyPlan())
}


def plan_for(name: str) -> ModelPlan:
    """The plan of a model, naming the known ones when `name` is not one."""
    try:
        return PLANS[name]
    except KeyError:
        raise ModelNotFoundError(f"no model {name!r}; known: {', '.join(PLANS)}") from None


__all__ = [
    "PLANS",
    "FitContext",
    "Fitted",
    "LakeData",
    "ModelPlan",
    "Scored",
    "model_threads",
    "plan_for",
]

"""The five model plans, by registry name, and loading what is served.

Order matters only for display: it is the order of the seed's §3.5.1 list.
"""

from __future__ import annotations

from typing import Any

from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.ports import ObjectStore
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


def load_version(store: ObjectStore, name: str, version: str) -> Any:
    """Rebuild one registry version of a model from its safe artefacts."""
    registry = ModelRegistry(store, name)
    return plan_for(name).load(lambda artefact: registry.load(version, artefact))


def load_served(store: ObjectStore, name: str) -> tuple[str, Any]:
    """(version, model) that is served now; ModelNotFoundError before the first run."""
    version = ModelRegistry(store, name).latest()
    if version is None:
        raise ModelNotFoundError(f"no {name} model has been promoted yet: run `engage run`")
    return version, load_version(store, name, version)


__all__ = [
    "PLANS",
    "FitContext",
    "Fitted",
    "LakeData",
    "ModelPlan",
    "Scored",
    "load_served",
    "load_version",
    "model_threads",
    "plan_for",
]

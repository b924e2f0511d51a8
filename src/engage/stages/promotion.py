"""Which version of each model a run serves: the promotion decision, made once per run.

Reaching scoring means data validation passed, so each version this run trained may
now be judged for promotion: it is served if its primary VALIDATION metric (carved
from training; test figures are only reported) is not worse than the served
version's by more than ENGAGE_PROMOTION_TOLERANCE (models without a held-out metric
are served once their data passed), and the fairness gate does not block it. The
decisions depend only on the registry, which no shard changes, so every shard of a
run reaches the same ones; the merge stage records them in the run's
`promotions.json` and the ensemble step moves the `latest` pointers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from engage import lake
from engage.models.registry import ModelRegistry, PromotionRule
from engage.stages.plans import PLANS, ModelPlan
from engage.stages.services import Services

PROMOTIONS_REPORT = "promotions.json"


@dataclass(frozen=True)
class Decision:
    """Which version of one model this run serves, and whether it becomes `latest`."""

    model: str
    candidate: str | None  # the version this run trained (None: skipped)
    served: str | None  # the version that scores customers (None: nothing to serve)
    promote: bool
    reason: str


def decide(plan: ModelPlan, run_id: str, services: Services) -> Decision:
    """Apply the promotion rule to this run's candidate of one model."""
    registry = ModelRegistry(services.store, plan.name)
    current = registry.latest()
    runs = {key.rsplit("/", 1)[-1] for key in services.store.list(f"{registry.root}runs/")}
    if f"{run_id}.json" not in runs:
        reason = "no candidate from this run" + ("" if current else "; nothing served yet")
        return Decision(plan.name, None, current, False, reason)
    candidate = registry.version_for_run(run_id)
    if plan.primary_metric is None:
        return Decision(plan.name, candidate, candidate, True, "unsupervised: data passed")
    rule = PromotionRule(
        plan.primary_metric,
        plan.higher_is_better,
        services.settings.promotion_tolerance,
        plan.relative_tolerance,
    )
    promote, reason = registry.judge(candidate, rule)
    gate = registry.metadata(candidate).get("fairness", {}).get("gate", {})
    if promote and services.settings.fairness_gate and gate.get("passed") is False:
        promote, reason = False, "blocked by the fairness gate: " + "; ".join(gate["failures"])
    return Decision(plan.name, candidate, candidate if promote else current, promote, reason)


def decide_all(run_id: str, services: Services) -> dict[str, Decision]:
    """Every model's decision for the run, in PLANS order."""
    return {name: decide(plan, run_id, services) for name, plan in PLANS.items()}


def save_decisions(services: Services, run_id: str, decisions: Mapping[str, Decision]) -> None:
    services.save_report(run_id, PROMOTIONS_REPORT, {n: asdict(d) for n, d in decisions.items()})


def decisions_from(raw: Mapping[str, Mapping]) -> dict[str, Decision]:
    """Decisions back from their JSON form (a report, a shard's summary)."""
    return {name: Decision(**fields) for name, fields in raw.items()}


def load_decisions(services: Services, run_id: str) -> dict[str, Decision]:
    """The decisions recorded for a run (read by the ensemble step)."""
    raw = json.loads(services.store.get_bytes(lake.report_key(run_id, PROMOTIONS_REPORT)))
    return decisions_from(raw)

"""The use case behind `engage cost`, the run summary line and the Costs report.

Finds the run (default: the latest succeeded one), measures it, prices it and
projects it to the standard customer counts, in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engage.cost.model import CostEstimate, estimate
from engage.cost.prices import PriceTable, load_prices
from engage.cost.projection import Projection, project, reference_runs
from engage.cost.usage import RunUsage, measure
from engage.pipeline.history import RunHistory, UnknownRunError
from engage.ports import ObjectStore
from engage.settings import Settings

BENCH_RESULTS = Path(__file__).resolve().parents[3] / "bench" / "results" / "pipeline.json"


@dataclass(frozen=True)
class RunCost:
    """A run's measured usage, its estimate, the projections and the budget verdict."""

    usage: RunUsage
    estimate: CostEstimate
    projections: list[Projection]
    prices: PriceTable
    budget_usd: float
    capacity: str
    schedule_days: float

    @property
    def total(self) -> float:
        return self.estimate.total(self.capacity)

    @property
    def over_budget(self) -> bool:
        return self.total > self.budget_usd


def latest_succeeded(history: RunHistory) -> str:
    """The newest run that succeeded; the cost of a failed run says little."""
    for run in history.list_runs():
        if run.status == "SUCCEEDED":
            return run.run_id
    raise UnknownRunError("no succeeded run yet: run `engage run` first")


def run_cost(
    store: ObjectStore,
    settings: Settings,
    run_id: str | None = None,
    prices: PriceTable | None = None,
    bench_results: Path = BENCH_RESULTS,
) -> RunCost:
    """Measure, price and project one run of the local lake `store` (`settings.lake`)."""
    if settings.lake_is_s3:
        raise ValueError("engage cost measures a local lake's files; ENGAGE_LAKE is on S3")
    history = RunHistory(store)
    record = history.get(run_id or latest_succeeded(history))
    usage = measure(record, Path(settings.lake), settings.lambda_memory_mb)
    prices = prices or load_prices()
    days = settings.cost_schedule_days
    return RunCost(
        usage=usage,
        estimate=estimate(usage, prices, days),
        projections=project(usage, prices, reference_runs(bench_results), schedule_days=days),
        prices=prices,
        budget_usd=settings.budget_usd,
        capacity=settings.cost_capacity,
        schedule_days=days,
    )

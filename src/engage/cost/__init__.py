"""AWS cost of a pipeline run, computed from what the run measured and a dated price table."""

from engage.cost.model import CostEstimate, CostLine, estimate
from engage.cost.prices import PriceTable, load_prices
from engage.cost.projection import SCALES, Projection, project
from engage.cost.runcost import RunCost, run_cost
from engage.cost.usage import RunUsage, StageUsage, measure

__all__ = [
    "SCALES",
    "CostEstimate",
    "CostLine",
    "PriceTable",
    "Projection",
    "RunCost",
    "RunUsage",
    "StageUsage",
    "estimate",
    "load_prices",
    "measure",
    "project",
    "run_cost",
]

"""What the deployed stack costs each month whether or not the pipeline runs.

The per-run model (engage.cost.model) prices what a run uses; a deployment also
pays by the hour for VPC interface endpoints, by the month for its KMS key,
secret, WAF web ACL and rules and alarms, and nothing fixed for the usage-based
security services. Those items, their quantities in the default envs/aws and
their dated list prices are data (fixed_us_east_1.json), turned here into the
same CostLine items as the per-run lines (monthly USD; Spot does not apply).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from engage.cost.model import CostLine

FIXED_FILE = "fixed_us_east_1.json"


@dataclass(frozen=True)
class FixedCosts:
    """The stack's fixed monthly lines."""

    region: str
    lines: tuple[CostLine, ...]
    note: str

    @property
    def monthly_usd(self) -> float:
        return sum(line.on_demand_usd for line in self.lines)


def load_fixed(data: dict[str, Any] | None = None) -> FixedCosts:
    """The packaged fixed-cost table as cost lines (or `data` of the same shape)."""
    if data is None:
        text = resources.files("engage.cost").joinpath(FIXED_FILE).read_text(encoding="utf-8")
        data = json.loads(text)
    lines = []
    for item in data["items"]:
        usd = round(float(item["quantity"]) * float(item["usd_per_unit"]), 2)
        usage = f"{item['quantity']} x {item['unit']}"
        inputs = {k: item[k] for k in ("resource", "quantity", "usd_per_unit", "as_of", "source")}
        inputs["note"] = item.get("note", "")
        lines.append(CostLine(item["service"], usage, usd, usd, inputs))
    return FixedCosts(data["region"], tuple(lines), data.get("note", ""))

"""The typed query plan: what the question asks, before any SQL exists.

A plan is data (shown with the answer, given to/produced by an LLM through the
`run_plan` tool), so the offline parser and an LLM produce the same kind of thing
and one compiler turns either into SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FUNCS = ("count", "share", "mean", "median", "percentile", "sum", "min", "max", "std", "corr")
OPS = ("=", "!=", "<", "<=", ">", ">=", "between", "in")
BUCKETS = ("age_band", "region", "ntile", "seller")


@dataclass
class Measure:
    """count | share | mean | median | percentile (arg: 0-1) | sum | min | max | std |
    corr (arg: the second column)."""

    func: str
    column: str | None = None
    arg: Any = None

    def label(self) -> str:
        if self.func == "percentile":
            return f"p{round(float(self.arg) * 100):g}"
        return self.func


@dataclass
class Filter:
    column: str
    op: str
    value: Any


@dataclass
class Dimension:
    """A column, or a bucketing of one: age_band, region, ntile (n groups), seller."""

    column: str
    bucket: str | None = None
    n: int | None = None


@dataclass
class Having:
    measure: Measure
    op: str
    value: float


@dataclass
class Plan:
    """measures x dimensions over final_results (or a customer view), with filters.

    `share_of` are the conditions whose share a `share` measure reports (numerator);
    `filters` restrict the population (denominator).
    """

    measures: list[Measure] = field(default_factory=list)
    dimensions: list[Dimension] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    share_of: list[Filter] = field(default_factory=list)
    view: str | None = None
    order: str | None = None  # "desc" | "asc"
    limit: int | None = None
    having: Having | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """A plan from JSON (an LLM's `run_plan` input); unknown keys are an error."""
        having = data.get("having")
        return cls(
            measures=[Measure(**m) for m in data.get("measures", [])],
            dimensions=[Dimension(**d) for d in data.get("dimensions", [])],
            filters=[Filter(**f) for f in data.get("filters", [])],
            share_of=[Filter(**f) for f in data.get("share_of", [])],
            view=data.get("view"),
            order=data.get("order"),
            limit=data.get("limit"),
            having=Having(Measure(**having["measure"]), having["op"], having["value"])
            if having
            else None,
        )

    def describe(self) -> str:
        """One readable line: 'mean(actual_engagement_score) by device_type where ...'."""
        parts = [", ".join(f"{m.label()}({m.column or '*'})" for m in self.measures)]
        if self.dimensions:
            parts.append("by " + ", ".join((d.bucket and f"{d.bucket}({d.column})") or d.column
                                           for d in self.dimensions))  # fmt: skip
        if self.view:
            parts.append(f"in {self.view}")
        conds = [f"{f.column} {f.op} {f.value}" for f in self.filters]
        if conds:
            parts.append("where " + " and ".join(conds))
        if self.share_of:
            parts.append("share with " + " and ".join(
                f"{f.column} {f.op} {f.value}" for f in self.share_of))  # fmt: skip
        if self.having:
            h = self.having
            parts.append(f"having {h.measure.label()}({h.measure.column or '*'}) {h.op} {h.value}")
        if self.order:
            parts.append(f"order {self.order}" + (f" limit {self.limit}" if self.limit else ""))
        return " ".join(parts)

"""The dated us-east-1 price table, packaged as data so that a price change is a data edit.

Every price carries its unit, the date it was read and the public page it came from,
so a cost line can always say where its rate came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

PRICE_FILE = "prices_us_east_1.json"


@dataclass(frozen=True)
class Price:
    """One rate: USD per `unit`, read on `as_of` from `source`."""

    name: str
    usd: float
    unit: str
    as_of: str
    source: str


@dataclass(frozen=True)
class PriceTable:
    """All rates for one region."""

    region: str
    prices: dict[str, Price]
    note: str = ""

    def __getitem__(self, name: str) -> float:
        return self.prices[name].usd

    def price(self, name: str) -> Price:
        return self.prices[name]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PriceTable:
        prices = {
            name: Price(name, float(p["usd"]), p["unit"], p["as_of"], p["source"])
            for name, p in data["prices"].items()
        }
        return cls(data["region"], prices, data.get("note", ""))


def load_prices(path: Path | None = None) -> PriceTable:
    """The packaged table (or another file with the same shape, e.g. a newer price list)."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("engage.cost").joinpath(PRICE_FILE).read_text(encoding="utf-8")
    return PriceTable.from_dict(json.loads(text))

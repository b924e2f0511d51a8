"""The semantic layer: what an analyst may ask about, generated, not hand-typed.

Columns and their types come from the run's catalog (information_schema of the
allow-listed schemas); descriptions and synonyms from the data contract; business
words (cohorts, device words, views, places) from the reviewed `lexicon.toml`.
Actual and predicted quantities stay distinct columns with distinct words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

RESULTS = "engagement_analytics.final_results"
SCHEMAS = ("engagement_analytics", "engagement_predictions", "engagement_qa")
# at most this many distinct values, an integer column groups by value (the 7 days of a
# forecast horizon, 0-10 referrals); more, and it is cut into quantiles (ages, counts)
FEW_VALUES = 20
NUMERIC = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "HUGEINT")
# US Census Bureau regions (DC is not a state of the contract but costs nothing).
REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "Midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South": ("DE", "FL", "GA", "MD", "NC", "SC", "VA", "DC", "WV", "AL", "KY", "MS", "TN",
              "AR", "LA", "OK", "TX"),
    "West": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
}  # fmt: skip
STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnInfo:
    """One column the analyst may use; `kind` is numeric, bool, categorical or other."""

    name: str
    sql_type: str
    kind: str
    description: str = ""
    categories: tuple[str, ...] = ()


@dataclass
class SemanticLayer:
    """Columns of final_results, the customer views, and the phrase index over them."""

    columns: dict[str, ColumnInfo]
    tables: dict[str, list[str]]
    terms: dict[str, str] = field(default_factory=dict)  # phrase -> column
    values: dict[str, tuple[str, str]] = field(default_factory=dict)  # phrase -> (col, value)
    cohorts: dict[str, tuple[str, str, Any]] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)
    # a view's own columns (not in final_results), by table: what a question about that
    # table may measure ("the average degree of the influencers")
    own: dict[str, dict[str, ColumnInfo]] = field(default_factory=dict)
    own_terms: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> phrase -> col
    # tables whose rows are not customers (an alert per text, a forecast per customer and
    # day): "how many ..." counts their rows, never the customers they mention
    row_tables: frozenset[str] = frozenset()
    # phrases that name one view's own measure ("forecast engagement" is the forecast
    # table's `forecast`): a question using one is about that view without naming it
    implies: dict[str, str] = field(default_factory=dict)  # phrase -> table
    # distinct values of a column of a table, asked of the run's data when a grouping
    # needs it (set by the runner; None: unknown, e.g. a layer built from a catalog only)
    distinct: Callable[[str, str], int | None] | None = None
    # a column's distinct values (at most FEW_VALUES + 1 of them), asked of the run's data
    values_of: Callable[[str, str], tuple[str, ...]] | None = None

    def few_values(self, column: str, table: str = RESULTS) -> bool:
        """Whether an integer column has so few distinct values (days of a horizon, a
        count of referrals) that its groups are its values, not quartiles of it."""
        info = self.columns.get(column)
        if info is None or "INT" not in info.sql_type.upper() or self.distinct is None:
            return False
        n = self.distinct(table if column in self.tables.get(table, []) else RESULTS, column)
        return n is not None and n <= FEW_VALUES

    def own_values(self, table: str) -> dict[str, tuple[str, str]]:
        """Value words of a view's own categorical columns with few values ("reviews" of
        the support alerts' channel), read from the run's data: the contract lists only
        final_results' categories."""
        if self.values_of is None:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for name, info in self.own.get(table, {}).items():
            if info.kind != "categorical":
                continue
            found = self.values_of(table, name)
            if len(found) <= FEW_VALUES:
                out |= {v.lower().replace("_", " "): (name, v) for v in found if len(v) > 2}
        # a final_results word keeps its meaning (the scoped layer holds these already)
        return {p: v for p, v in out.items() if self.values.get(p, v) == v and p not in self.terms}

    def describe(self) -> dict[str, Any]:
        """The layer as plain data: what an LLM is given as the `run_plan` tool schema."""
        return {
            "table": RESULTS,
            "columns": {n: {"type": c.kind, "description": c.description,
                            **({"values": list(c.categories)} if c.categories else {})}
                        for n, c in self.columns.items()},
            "views": sorted(set(self.views.values())),
            "cohorts": {k: list(v) for k, v in self.cohorts.items()},
            "regions": {k: list(v) for k, v in REGIONS.items()},
        }  # fmt: skip


@cache
def lexicon() -> dict[str, Any]:
    """The reviewed lexicon shipped as package data."""
    text = resources.files("engage.agent").joinpath("lexicon.toml").read_text("utf-8")
    return tomllib.loads(text)


def _kind(sql_type: str, name: str) -> str:
    upper = sql_type.upper()
    if upper == "BOOLEAN":
        return "bool"
    if any(t in upper for t in NUMERIC) or upper.startswith(("BIGINT", "SMALLINT", "TINYINT")):
        return "numeric"
    return "categorical" if upper == "VARCHAR" and name != "customer_id" else "other"


def build(catalog_columns: list[dict[str, Any]]) -> SemanticLayer:
    """The layer from information_schema rows (table_schema, table_name, column_name,
    data_type) of the run's catalog, the contract and the lexicon."""
    from engage.contract import CUSTOMERS

    contract = {c.name: c for c in CUSTOMERS.columns}
    tables: dict[str, list[str]] = {}
    for row in catalog_columns:
        if row["table_schema"] in SCHEMAS:
            key = f"{row['table_schema']}.{row['table_name']}"
            tables.setdefault(key, []).append(row["column_name"])
    columns: dict[str, ColumnInfo] = {}
    for row in catalog_columns:
        if f"{row['table_schema']}.{row['table_name']}" != RESULTS:
            continue
        name = row["column_name"]
        base = contract.get(name.removeprefix("actual_"))
        columns[name] = ColumnInfo(
            name, row["data_type"], _kind(row["data_type"], name),
            base.description if base else "", tuple(base.categories or ()) if base else (),
        )  # fmt: skip
    layer = SemanticLayer(columns, tables, row_tables=_row_tables(tables))
    _index(layer, contract)
    _own(layer, catalog_columns)
    return layer


def _row_tables(tables: dict[str, list[str]]) -> frozenset[str]:
    """Catalog tables whose contract key is more than the customer (per run)."""
    from engage.contract.outputs import OUTPUT_TABLES

    many = {t.name for t in OUTPUT_TABLES if set(t.key) - {"run_id"} != {"customer_id"}}
    return frozenset(name for name in tables if name.rpartition(".")[2] in many and name != RESULTS)


# bookkeeping columns and words too common to name a column on their own
_NOT_MEASURES = {"customer_id", "run_id", "model_version", "embedding", "lower", "upper"}


def _own(layer: SemanticLayer, catalog_columns: list[dict[str, Any]]) -> None:
    """The views' own columns, with their names as phrases plus the lexicon's
    [view_columns] synonyms ("column" of any view, or "schema.table.column")."""
    views = set(layer.views.values())
    for row in catalog_columns:
        table = f"{row['table_schema']}.{row['table_name']}"
        name = row["column_name"]
        if table not in views or name in layer.columns or name in _NOT_MEASURES:
            continue
        kind = _kind(row["data_type"], name)
        if kind == "other":
            continue
        layer.own.setdefault(table, {})[name] = ColumnInfo(name, row["data_type"], kind)
        layer.own_terms.setdefault(table, {})[name.replace("_", " ")] = name
    for phrase, target in lexicon().get("view_columns", {}).items():
        table, _, name = target.rpartition(".")  # "column": of every view that has it
        for view, own in layer.own.items():
            if name in own and table in ("", view):
                layer.own_terms[view][phrase] = name
                if table == view and " " in phrase:  # reviewed as that table's words:
                    layer.implies[phrase] = view  # they imply it ("members" alone does not)
    _implied(layer)


def _implied(layer: SemanticLayer) -> None:
    """Own-column phrases of exactly one view that name nothing in final_results
    ("expected reward", "mean text sentiment") imply that view; a phrase of several
    views ("effect", "horizon day"), a final_results word or one word ("size" of
    communities, also "the size of a segment") implies none."""
    from engage.agent.semantic.words import STOP

    owners: dict[str, set[str]] = {}
    for view, terms in layer.own_terms.items():
        for phrase in terms:
            owners.setdefault(phrase, set()).add(view)
    taken = set(layer.terms) | set(layer.values) | set(layer.cohorts) | set(layer.views)
    for phrase, views in owners.items():
        if len(views) == 1 and phrase not in taken and " " in phrase and phrase not in STOP:
            layer.implies.setdefault(phrase, next(iter(views)))


def scoped(layer: SemanticLayer, table: str) -> SemanticLayer:
    """The layer of a question about one view: its own columns join final_results'
    (and win a shared phrase: "influence score" of the influencers table)."""
    columns = layer.columns | layer.own.get(table, {})
    terms = layer.terms | layer.own_terms.get(table, {})
    values = layer.values | layer.own_values(table)
    return SemanticLayer(columns, layer.tables, terms, values, layer.cohorts,
                         layer.views, layer.unsupported, layer.own, layer.own_terms,
                         layer.row_tables, layer.implies, layer.distinct,
                         layer.values_of)  # fmt: skip


def _index(layer: SemanticLayer, contract: dict[str, Any]) -> None:
    lex = lexicon()
    for name in layer.columns:
        layer.terms.setdefault(name.replace("_", " "), name)
        base = contract.get(name.removeprefix("actual_"))
        for word in base.synonyms if base else ():
            if base.is_categorical or name.startswith("actual_") or base.role.value != "target":
                layer.terms.setdefault(word.lower(), name)
    layer.terms |= {k: v for k, v in lex["columns"].items() if v in layer.columns}
    for phrase, (col, value) in lex["values"].items():
        if col in layer.columns:
            layer.values[phrase] = (col, value)
    for col in ("content_category_primary", "next_best_action"):
        for value in layer.columns[col].categories if col in layer.columns else ():
            layer.values.setdefault(value.replace("_", " "), (col, value))
    layer.cohorts = {k: tuple(v) for k, v in lex["cohorts"].items() if v[0] in layer.columns}
    layer.views = {k: v for k, v in lex["views"].items() if v in layer.tables}
    layer.unsupported = dict(lex["unsupported"])

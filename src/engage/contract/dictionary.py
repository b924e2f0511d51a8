"""Render the data dictionary (docs/data_dictionary.md) from the contract.

Generated, never hand-edited: a test fails when the committed file drifts.
"""

from __future__ import annotations

from engage.contract.schema import Column, Protection, Table
from engage.contract.tables import ALL_TABLES, PROHIBITED_ATTRIBUTES

HEADER = """# Data dictionary

Generated from `src/engage/contract/` by `engage contract dictionary`; do not edit by hand.

Roles: **identifier** (keys), **feature** (model input), **derived** (model input computed
from another generated table), **target** (what models predict), **pii** (restricted,
never in analytics tables), **metadata** (ground truth, for grading only).
Protection: **conditional** attributes are permitted but monitored for fairness (seed
§2.4.3); prohibited attributes ({prohibited}) are never generated and may never be
model inputs.
"""


def render_dictionary(tables: tuple[Table, ...] = ALL_TABLES) -> str:
    parts = [HEADER.format(prohibited=", ".join(PROHIBITED_ATTRIBUTES))]
    for table in tables:
        parts.append(_table_section(table))
    return "\n".join(parts)


def _table_section(table: Table) -> str:
    lines = [
        f"## `{table.name}`",
        "",
        table.description + (f" Key: `{', '.join(table.key)}`." if table.key else ""),
        "",
        "| column | type | role | allowed | unit | nullable | description |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row(col) for col in table.columns]
    return "\n".join(lines) + "\n"


def _row(col: Column) -> str:
    role = col.role.value
    if col.protection is not Protection.NONE:
        role += f" ({col.protection.value})"
    nullable = "yes" if col.nullable else "no"
    return (
        f"| `{col.name}` | {col.dtype.value} | {role} | {col.allowed()} | {col.unit} "
        f"| {nullable} | {col.description} |"
    )

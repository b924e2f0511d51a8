"""Render the data dictionary (docs/data_dictionary.md) from the contract.

Generated, never hand-edited: a test fails when the committed file drifts.
"""

from __future__ import annotations

from engage.contract.outputs import OUTPUT_TABLES
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


OUTPUTS = """# Outputs

What the pipeline writes (`src/engage/contract/outputs.py`). Role **derived** here means
computed by the pipeline; columns copied from an input table are named by reference.
"""


def render_dictionary(
    tables: tuple[Table, ...] = ALL_TABLES, outputs: tuple[Table, ...] = OUTPUT_TABLES
) -> str:
    parts = [HEADER.format(prohibited=", ".join(PROHIBITED_ATTRIBUTES))]
    parts += [_table_section(table) for table in tables]
    if outputs:
        parts.append(OUTPUTS)
        parts += [_table_section(table) for table in outputs]
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

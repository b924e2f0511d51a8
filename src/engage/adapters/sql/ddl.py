"""Athena DDL generated from the data contract, so column lists are never typed twice.

`sql/engagement_raw/customers.sql` is the output of `customers_ddl()`; a test checks
that the committed file still equals it. Regenerate after changing the contract:

    python -m engage.adapters.sql.ddl            # writes sql/engagement_raw/customers.sql
"""

from __future__ import annotations

import sys
from pathlib import Path

from engage import contract, lake
from engage.lake import TableName

CUSTOMERS_TABLE = TableName.CUSTOMERS


def external_table_ddl(table: contract.Table, qualified_name: str, location: str) -> str:
    """CREATE EXTERNAL TABLE for Parquet files holding a contract table's columns, in order."""
    width = max(len(c.name) for c in table.columns)
    columns = ",\n".join(f"    {c.name:<{width}} {c.athena_type}" for c in table.columns)
    return (
        f"-- Generated from the data contract (engage.contract, table {table.name!r}); "
        "do not edit.\n"
        "-- Regenerate with: python -m engage.adapters.sql.ddl\n"
        f"CREATE EXTERNAL TABLE {qualified_name} (\n{columns}\n)\n"
        "STORED AS PARQUET\n"
        f"LOCATION '{location}'\n"
    )


def customers_ddl() -> str:
    """The raw customers table: every contract column, at the seed's S3 location."""
    loc = lake.table_location(CUSTOMERS_TABLE)
    return external_table_ddl(contract.CUSTOMERS, CUSTOMERS_TABLE, loc.seed_s3_uri)


def write_customers_ddl(sql_dir: Path) -> Path:
    """Write customers_ddl() to <sql_dir>/engagement_raw/customers.sql; returns the path."""
    path = Path(sql_dir) / (lake.sql_file_name(CUSTOMERS_TABLE) + ".sql")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(customers_ddl(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    print(write_customers_ddl(Path(sys.argv[1] if len(sys.argv) > 1 else "sql")))

"""Athena DDL for the sql/ files: the seed's CTAS `WITH (format='PARQUET', ...)` form.

The sql/ files hold no storage properties (the lake layout, engage.lake, decides where
tables live); this module adds them for Athena, as the DuckDB engine adds COPY ... TO.
Pure functions over sqlglot trees, so the statements can be checked without AWS.
"""

from __future__ import annotations

from sqlglot import exp

from engage.adapters.sql import athena_to_duckdb as tr

DIALECT = "athena"


def _string(value: str) -> str:
    return exp.Literal.string(value).sql(DIALECT)


def ctas_sql(stmt: tr.Statement, location: str, partitioned_by: tuple[str, ...] = ()) -> str:
    """CREATE TABLE ... WITH (format, compression, external_location, partitioned_by) AS ..."""
    props = [
        "format = 'PARQUET'",
        "write_compression = 'SNAPPY'",
        f"external_location = {_string(location)}",
    ]
    if partitioned_by:
        props.append(f"partitioned_by = ARRAY[{', '.join(_string(c) for c in partitioned_by)}]")
    select = stmt.body.sql(dialect=DIALECT)
    joined = ",\n  ".join(props)
    return f"CREATE TABLE {stmt.table}\nWITH (\n  {joined}\n)\nAS {select}"


def external_sql(stmt: tr.Statement, location: str) -> str:
    """The file's CREATE EXTERNAL TABLE with LOCATION pointed at the lake's real prefix."""
    tree = stmt.body.copy()
    found = tree.find(exp.LocationProperty)
    if found is None:
        props = tree.args.get("properties") or exp.Properties(expressions=[])
        props.append("expressions", exp.LocationProperty(this=exp.Literal.string(location)))
        tree.set("properties", props)
    else:
        found.set("this", exp.Literal.string(location))
    return tree.sql(dialect=DIALECT)


def view_sql(stmt: tr.Statement) -> str:
    """CREATE OR REPLACE VIEW in Athena's dialect."""
    return stmt.body.sql(dialect=DIALECT)

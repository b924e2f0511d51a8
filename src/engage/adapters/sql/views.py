"""DuckDB view definitions that make lake Parquet files look like catalog tables.

Views (not tables) keep the data in the lake, as Glue does; absolute paths make the
catalog file usable from any DuckDB client on this machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def parquet_view_sql(
    table: str,
    source: str,
    *,
    columns: Sequence[tuple[str, str]] | None = None,
    hive: bool = False,
    hive_types: Mapping[str, str] | None = None,
    cast: bool = False,
    single_file: bool = False,
) -> str:
    """CREATE OR REPLACE VIEW over one Parquet file or every Parquet file under a folder.

    Args:
        table: qualified view name.
        source: absolute path of a file (single_file) or a folder.
        columns: (name, DuckDB type) in table order; None selects every file column.
        hive: read ``col=value`` folders as columns (types detected unless hive_types).
        hive_types: partition column types; a non-empty mapping implies hive.
        cast: cast each column to its declared type (CREATE EXTERNAL TABLE semantics:
            the table's declared schema wins over what the files happen to hold).
        single_file: source is one file rather than a folder.
    """
    path = source if single_file else source.rstrip("/") + "/**/*.parquet"
    args = [_lit(path), f"hive_partitioning = {str(bool(hive or hive_types)).lower()}"]
    if hive_types:
        types = ", ".join(f"{_lit(c)}: {_lit(t)}" for c, t in hive_types.items())
        args.append(f"hive_types = {{{types}}}")
    if columns is None:
        select = "*"
    elif cast:
        select = ", ".join(f"CAST({_ident(c)} AS {t}) AS {_ident(c)}" for c, t in columns)
    else:
        select = ", ".join(_ident(c) for c, _ in columns)
    return f"CREATE OR REPLACE VIEW {table} AS SELECT {select} FROM read_parquet({', '.join(args)})"


def empty_view_sql(table: str, columns: Sequence[tuple[str, str]]) -> str:
    """A typed view with no rows, for a CTAS whose result was empty.

    Why: DuckDB cannot create a view over a glob that matches no files, yet an empty
    result (say, no QA candidates) is a valid table that later queries must find.
    """
    select = ", ".join(f"CAST(NULL AS {t}) AS {_ident(c)}" for c, t in columns)
    return f"CREATE OR REPLACE VIEW {table} AS SELECT {select} WHERE false"

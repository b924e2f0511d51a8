"""The agent's SQL gate: one read-only SELECT over allow-listed schemas, row-limited.

An LLM (or a user) writes the SQL the agent runs, so it is untrusted input. The
gate works on the sqlglot syntax tree, not on words: it refuses anything that is
not a single SELECT/WITH, any table outside the allow-list (the restricted PII
schema included), any table function (read_csv, read_parquet, glob ...) and any
file-, setting- or extension-touching function. The engine is also opened
read-only, so a statement that slipped through still could not write.
"""

from __future__ import annotations

from sqlglot import exp

from engage.adapters.sql import athena_to_duckdb as tr
from engage.lake import TableName
from engage.ports import SqlError

ALLOWED_SCHEMAS = frozenset({"engagement_analytics", "engagement_predictions", "engagement_qa"})
# Inside the allow-list but still contact data (masked e-mails, tokens): not for the agent.
DENIED_TABLES = frozenset({TableName.SUPPORT_VIEW})
# Functions that read files, settings or the catalog, or call out of the engine.
DENIED_FUNCTIONS = frozenset(
    {
        "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
        "read_json_auto", "read_text", "read_blob", "glob", "sniff_csv", "query",
        "query_table", "current_setting", "getenv", "duckdb_settings", "duckdb_tables",
        "duckdb_columns", "duckdb_views", "duckdb_databases", "duckdb_extensions",
        "pragma_table_info", "load_extension", "install_extension", "system",
        "sqlite_scan", "postgres_scan", "iceberg_scan", "delta_scan", "parquet_metadata",
        "parquet_schema", "read_ndjson", "read_xlsx", "httpfs",
    }
)  # fmt: skip


class UnsafeSqlError(SqlError):
    """The statement is refused by the agent's gate; nothing was run."""


def guard(sql: str, row_limit: int) -> str:
    """Return DuckDB SQL for `sql` if it is safe, capped at `row_limit` rows; else raise."""
    try:
        tree = tr.parse_one(sql, "agent")
        tr.ensure_read_only(tree, "agent")
    except SqlError as err:
        raise UnsafeSqlError(str(err)) from None
    _check_tables(tree)
    _check_functions(tree)
    tree = tree.transform(_exact_percentile)
    limited = exp.select("*").from_(tree.subquery("agent_q")).limit(row_limit)
    return tr.to_duckdb(limited)


def _exact_percentile(node: exp.Expression) -> exp.Expression:
    """Athena only approximates percentiles; DuckDB can give the exact (interpolated) one,
    so a median the agent reports equals the one an analyst computes with quantile_cont."""
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="quantile_cont", expressions=[node.this, node.args["quantile"]])
    return node


def _check_tables(tree: exp.Expression) -> None:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise UnsafeSqlError("agent: only catalog tables may be read (no table functions)")
        schema, name = table.db.lower(), table.name.lower()
        if table.catalog:
            raise UnsafeSqlError("agent: catalog-qualified names are not allowed")
        if not schema and name in ctes:
            continue
        if schema not in ALLOWED_SCHEMAS or f"{schema}.{name}" in DENIED_TABLES:
            allowed = ", ".join(sorted(ALLOWED_SCHEMAS))
            raise UnsafeSqlError(
                f"agent: table {table.sql()!r} is outside the allow-list ({allowed})"
            )


def _check_functions(tree: exp.Expression) -> None:
    for func in tree.find_all(exp.Func):
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if name in DENIED_FUNCTIONS or isinstance(func, exp.ReadCSV | exp.ReadParquet):
            raise UnsafeSqlError(f"agent: function {name}() is not allowed")

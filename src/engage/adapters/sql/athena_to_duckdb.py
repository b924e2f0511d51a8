"""Athena (Trino) SQL -> DuckDB SQL: parse, bind parameters, classify, check, transpile.

Everything works on sqlglot syntax trees, never on strings: parameters become
literal nodes (so a value can never change the statement), and the read-only check
looks at what a statement *is*, not at the words it contains.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from engage.ports import SqlError

READ = "athena"
WRITE = "duckdb"
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_READ_ONLY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)
_WRITE_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Create", "Drop", "Alter", "Command", "Copy",
        "Attach", "Detach", "Merge", "TruncateTable", "Into", "Pragma", "Set", "Use",
        "Transaction", "Commit", "Rollback", "Install", "LoadData", "Export", "Cache",
        "Uncache", "Refresh", "Analyze", "Grant", "Revoke", "Comment",
    )
    if hasattr(exp, name)
)  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """A classified statement of a SQL file: what it makes and from what."""

    kind: str  # "ctas" | "external" | "view"
    table: str  # qualified, lower case: schema.table
    body: exp.Expression  # the SELECT (ctas), the whole CREATE VIEW (view), the DDL (external)
    columns: tuple[tuple[str, str], ...] = field(default=())  # external: (name, duckdb type)


def sql_file(sql_dir: Path, name: str) -> Path:
    """The statement file for 'schema/table' or 'schema.table' (both engines run the same
    files); names are checked as identifiers, so no path can leave `sql_dir`."""
    rel = name.replace(".", "/", 1) if "/" not in name else name
    if rel.count("/") != 1 or not all(IDENTIFIER.match(p) for p in rel.split("/")):
        raise SqlError(f"SQL file name must look like 'schema/table', got {name!r}")
    path = sql_dir / f"{rel}.sql"
    if not path.is_file():
        raise SqlError(f"no SQL file {path}")
    return path


def qualified_name(name: str) -> str:
    """Validate 'schema.table' (plain identifiers) and return it in lower case."""
    parts = name.split(".")
    if len(parts) != 2 or not all(IDENTIFIER.match(p) for p in parts):
        raise SqlError(f"expected a table name like 'schema.table', got {name!r}")
    return name.lower()


def parse_one(sql: str, source: str = "query") -> exp.Expression:
    """Parse exactly one statement (a trailing ';' is fine), or raise SqlError."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=READ) if s is not None]
    except ParseError as err:
        raise SqlError(f"{source}: cannot parse SQL: {err}") from None
    if len(statements) != 1:
        raise SqlError(f"{source}: expected exactly one SQL statement, found {len(statements)}")
    return statements[0]


def to_literal(value: Any) -> exp.Expression:
    """A Python value as a typed SQL literal node."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    raise SqlError(f"cannot bind a {type(value).__name__} as a SQL parameter")


def bind(tree: exp.Expression, params: Mapping[str, Any] | None, source: str) -> exp.Expression:
    """Replace every ``:name`` placeholder by its value as a literal; name missing ones."""
    params = dict(params or {})
    placeholders = list(tree.find_all(exp.Placeholder))
    if any(not p.name for p in placeholders):
        raise SqlError(f"{source}: use named parameters (:name), not '?'")
    missing = sorted({p.name for p in placeholders} - params.keys())
    if missing:
        raise SqlError(f"{source}: missing SQL parameter(s): {', '.join(missing)}")
    return tree.transform(
        lambda node: to_literal(params[node.name]) if isinstance(node, exp.Placeholder) else node
    )


def ensure_read_only(tree: exp.Expression, source: str = "query") -> None:
    """Refuse anything but one SELECT/WITH query (no DDL, DML, COPY, ATTACH, SET ...)."""
    bad = next((n for n in tree.walk() if isinstance(n, _WRITE_NODES)), None)
    if not isinstance(tree, _READ_ONLY_ROOTS) or bad is not None:
        what = type(bad if bad is not None else tree).__name__.upper()
        raise SqlError(f"{source}: only read-only SELECT/WITH queries are allowed (got {what})")


def to_duckdb(tree: exp.Expression) -> str:
    """Render a syntax tree in DuckDB's dialect."""
    return tree.sql(dialect=WRITE)


def classify(tree: exp.Expression, source: str) -> Statement:
    """Recognise the three statement kinds a SQL file may hold."""
    if not isinstance(tree, exp.Create) or tree.kind not in ("TABLE", "VIEW"):
        kind = type(tree).__name__.upper()
        raise SqlError(
            f"{source}: expected CREATE TABLE ... AS, CREATE EXTERNAL TABLE or CREATE VIEW, "
            f"got {kind}"
        )
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    table = qualified_name(exp.table_name(target))
    if tree.kind == "VIEW":
        tree = tree.copy()
        tree.set("replace", True)
        return Statement("view", table, tree)
    props = tree.args.get("properties")
    if tree.find(exp.ExternalProperty) is not None:
        schema = tree.this
        if not isinstance(schema, exp.Schema):
            raise SqlError(f"{source}: CREATE EXTERNAL TABLE needs a column list")
        cols = tuple((c.name, c.args["kind"].sql(WRITE)) for c in schema.expressions)
        return Statement("external", table, tree, cols)
    if props is not None:
        raise SqlError(
            f"{source}: remove WITH (...)/table properties; the engine decides where and how "
            "tables are stored (engage.lake)"
        )
    if not isinstance(tree.expression, exp.Query):
        raise SqlError(f"{source}: CREATE TABLE must be CREATE TABLE ... AS SELECT")
    return Statement("ctas", table, tree.expression)

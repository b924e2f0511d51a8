"""Plan -> one read-only SELECT in the Athena dialect, built from validated parts.

Column names are checked against the semantic layer, values become sqlglot
literals, and the statement is parsed back with sqlglot before the agent's gate
sees it; nothing from the question reaches the SQL as text.
"""

from __future__ import annotations

from sqlglot import exp, parse_one

from engage.adapters.sql import athena_to_duckdb as tr
from engage.agent.semantic.layer import REGIONS, RESULTS, SemanticLayer
from engage.agent.semantic.plan import OPS, Dimension, Filter, Measure, Plan

AGE_BAND = (
    "CASE WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44' "
    "WHEN age < 55 THEN '45-54' ELSE '55-65' END"
)
SELLER = "CASE WHEN gig_listings_active > 0 THEN 'seller' ELSE 'buyer' END"


class PlanError(ValueError):
    """The plan names something the layer does not know, or combines what cannot be."""


def _col(layer: SemanticLayer, name: str | None, table: str = RESULTS) -> str:
    if name is None or name not in layer.tables.get(table, layer.columns):
        raise PlanError(f"unknown column {name!r} of {table}")
    return name


def _lit(value: object) -> str:
    return tr.to_literal(value).sql("athena")


def condition(layer: SemanticLayer, f: Filter, table: str = RESULTS) -> str:
    column = _col(layer, f.column, table)
    if f.op not in OPS:
        raise PlanError(f"unknown comparison {f.op!r}")
    if f.op == "between":
        low, high = f.value
        return f"{column} BETWEEN {_lit(low)} AND {_lit(high)}"
    if f.op == "in":
        return f"{column} IN ({', '.join(_lit(v) for v in f.value)})"
    if isinstance(f.value, bool) and f.op in ("=", "!="):
        return column if f.value == (f.op == "=") else f"NOT {column}"
    return f"{column} {f.op} {_lit(f.value)}"


def measure_sql(layer: SemanticLayer, m: Measure, plan: Plan, table: str) -> str:
    if m.func == "count":
        return "count(*)"
    if m.func == "share":
        conds = [condition(layer, f, table) for f in plan.share_of]
        if m.column is not None:
            conds.append(_col(layer, m.column, table))
        if not conds:  # share of each group in the population
            return "100.0 * count(*) / sum(count(*)) OVER ()"
        return f"100.0 * avg(CASE WHEN {' AND '.join(conds)} THEN 1 ELSE 0 END)"
    col = f"CAST({_col(layer, m.column, table)} AS DOUBLE)"
    simple = {"mean": "avg", "sum": "sum", "min": "min", "max": "max", "std": "stddev"}
    if m.func in simple:
        return f"{simple[m.func]}({col})"
    if m.func == "median":
        return f"approx_percentile({col}, 0.5)"
    if m.func == "percentile":
        return f"approx_percentile({col}, {float(m.arg)})"
    if m.func == "corr":
        return f"corr({col}, CAST({_col(layer, m.arg, table)} AS DOUBLE))"
    raise PlanError(f"unknown measure {m.func!r}")


def dimension_sql(layer: SemanticLayer, d: Dimension, table: str) -> str:
    if d.bucket == "age_band":
        return AGE_BAND
    if d.bucket == "seller":
        return SELLER
    if d.bucket == "region":
        whens = " ".join(
            f"WHEN location IN ({', '.join(_lit(s) for s in states)}) THEN {_lit(name)}"
            for name, states in REGIONS.items()
        )
        return f"CASE {whens} END"
    column = _col(layer, d.column, table)
    if d.bucket == "ntile":
        # ties broken by customer id, so the same question gives the same buckets
        order = f"{column}, customer_id"
        return f"'Q' || CAST(ntile({int(d.n or 4)}) OVER (ORDER BY {order}) AS VARCHAR)"
    return column


def _own_table(layer: SemanticLayer, plan: Plan) -> bool:
    """Whether the plan runs on its view's own rows: the human review queue (its rows are
    reviews), a view without customers (communities), one whose rows are not customers
    (support alerts: one per text), or one whose own columns are all the plan uses;
    otherwise the view selects customers of final_results."""
    cols = layer.tables.get(str(plan.view), [])
    if plan.view == "engagement_qa.human_review" or "customer_id" not in cols:
        return True
    if plan.view in layer.row_tables:
        return True
    used = {m.column for m in plan.measures if m.column} | {d.column for d in plan.dimensions}
    used |= {f.column for f in plan.filters}  # "nudges that were vulnerable": its column
    own = set(cols) - set(layer.columns)
    return bool(used & own)  # final_results' columns join on customer_id (`_joined`)


def _joined(layer: SemanticLayer, plan: Plan, table: str) -> tuple[str, str]:
    """The FROM of a plan on a view's own rows, and the name its columns are checked
    against: a grouping or measure on a final_results column (the forecast by state)
    joins the view's rows to their customer's final_results row on customer_id."""
    cols = layer.tables.get(table, [])
    used = {m.column for m in plan.measures if m.column} | {d.column for d in plan.dimensions}
    used |= {str(m.arg) for m in plan.measures if m.func == "corr"}
    if plan.having is not None and plan.having.measure.column:
        used.add(plan.having.measure.column)
    needed = sorted(c for c in used - set(cols) if c in layer.tables.get(RESULTS, []))
    if table == RESULTS or not needed:
        return table, table
    if "customer_id" not in cols:
        raise PlanError(f"{table} has no customers to group by {needed[0]}")
    key = "+".join([table, *needed])  # a name for the joined columns, never in SQL
    layer.tables.setdefault(key, [*cols, *needed])
    picked = ", ".join(f"r.{c}" for c in needed)
    on = "t.customer_id = r.customer_id"
    return f"(SELECT t.*, {picked} FROM {table} AS t JOIN {RESULTS} AS r ON {on}) AS j", key


def unit(layer: SemanticLayer, plan: Plan) -> str:
    """What one row of the plan's table is: customers, or the rows of a table whose rows
    are something else (support alerts, communities, forecast days)."""
    cols = layer.tables.get(str(plan.view), [])
    if plan.view is None or plan.view == "engagement_qa.human_review":
        return "customers"
    if plan.view in layer.row_tables or "customer_id" not in cols:
        return f"rows of {plan.view}"
    return "customers"


def _where(layer: SemanticLayer, plan: Plan, table: str) -> list[str]:
    """The plan's conditions on `table`; on a view's own rows, a condition on a column
    only final_results has selects the view's customers through it."""
    if table == RESULTS or table == "engagement_qa.human_review":
        return [condition(layer, f, table) for f in plan.filters]
    cols = set(layer.tables.get(table, []))
    mine = [condition(layer, f, table) for f in plan.filters if f.column in cols]
    theirs = [condition(layer, f) for f in plan.filters if f.column not in cols]
    if theirs and "customer_id" in cols:
        inner = " AND ".join(theirs)
        mine.append(f"customer_id IN (SELECT customer_id FROM {RESULTS} WHERE {inner})")
    elif theirs:
        raise PlanError(f"{table} has no customers to filter by {plan.filters[0].column}")
    return mine


def to_sql(layer: SemanticLayer, plan: Plan) -> str:
    """The plan's SELECT (Athena dialect); raises PlanError for what it cannot express."""
    if not plan.measures:
        raise PlanError("a plan needs at least one measure")
    customer_view = plan.view is not None and not _own_table(layer, plan)
    source, table = _joined(
        layer, plan, RESULTS if plan.view is None or customer_view else plan.view
    )
    where = _where(layer, plan, table)
    if customer_view:
        where.append(f"customer_id IN (SELECT customer_id FROM {plan.view})")
    dims = [f"{dimension_sql(layer, d, table)} AS g{i}" for i, d in enumerate(plan.dimensions)]
    base = f"SELECT *{''.join(', ' + d for d in dims)} FROM {source}"
    if where:
        base += " WHERE " + " AND ".join(where)
    cols = [f"{measure_sql(layer, m, plan, table)} AS m{i}" for i, m in enumerate(plan.measures)]
    groups = [f"g{i}" for i in range(len(dims))]
    sql = f"WITH base AS ({base}) SELECT {', '.join(groups + cols)}, count(*) AS n FROM base"
    if groups:
        sql += " GROUP BY " + ", ".join(groups)
    if plan.having is not None:
        h = plan.having
        if h.op not in OPS[:6]:
            raise PlanError(f"unknown comparison {h.op!r}")
        sql += f" HAVING {measure_sql(layer, h.measure, plan, table)} {h.op} {float(h.value)}"
    if plan.order and groups:
        sql += f" ORDER BY m0 {'ASC' if plan.order == 'asc' else 'DESC'}, g0"
    elif groups:
        sql += " ORDER BY g0"
    if plan.limit:
        sql += f" LIMIT {int(plan.limit)}"
    tree = parse_one(sql, read="athena")
    if not isinstance(tree, exp.Select):
        raise PlanError("the plan did not compile to one SELECT")
    return tree.sql("athena")

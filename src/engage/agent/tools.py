"""The agent's tools (Bedrock action groups): plain functions over the run's results.

Each tool builds fixed SQL (named cohorts/segments, validated column names, values
as literals) or calls the served models, and returns a ToolResult. Free-form SQL
goes through `sql_guard`. `TOOL_SPECS` describes the tools as JSON schemas, the
same ones an LLM planner is given.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from engage.adapters.sql import athena_to_duckdb as tr
from engage.agent import sql_guard
from engage.agent.cohorts import BASE, COHORTS, RESULTS, SEGMENTS, TARGET
from engage.agent.result import ToolResult
from engage.agent.specs import TOOL_SPECS
from engage.lake import TableName
from engage.ports import ObjectStore, SqlEngine
from engage.settings import Settings

_POOL = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="agent-sql")
_OPS = ("=", "!=", "<", "<=", ">", ">=")
Filter = list[Any]  # [column, op, value]


class ToolError(ValueError):
    """A tool was called with arguments it cannot honour (unknown column, model ...)."""


class Tools:
    """The tools over one lake; the catalog opens read-only and lazily.

    Ports come in (built by `engage.bootstrap.tools`): `engine`, or `open_engine` to
    open one on first use; `store` for the served models of the what-if tool.
    `settings` supplies limits only (timeout, row cap).
    """

    def __init__(
        self,
        settings: Settings,
        engine: SqlEngine | None = None,
        *,
        open_engine: Callable[[], SqlEngine] | None = None,
        store: ObjectStore | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._engine = engine
        self._open_engine = open_engine
        self._columns: dict[str, str] | None = None
        self._models: Any = None

    @property
    def engine(self) -> SqlEngine:
        if self._engine is None:
            if self._open_engine is None:
                raise ToolError("these tools were given no SQL engine")
            self._engine = self._open_engine()
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()  # type: ignore[attr-defined]
            self._engine = None

    # -- plumbing ---------------------------------------------------------------------

    def _run(self, sql: str) -> list[dict[str, Any]]:
        """Trusted tool SQL: still read-only (engine) and time-limited."""
        future = _POOL.submit(self.engine.query, sql)
        try:
            table: pa.Table = future.result(timeout=self.settings.agent_timeout_seconds)
        except cf.TimeoutError:
            raise ToolError(
                f"query took longer than {self.settings.agent_timeout_seconds}s"
            ) from None
        return [{k: _clean(v) for k, v in row.items()} for row in table.to_pylist()]

    @property
    def columns(self) -> dict[str, str]:
        """final_results' columns and their DuckDB types (the vocabulary of filters)."""
        if self._columns is None:
            table = self.engine.query(f"SELECT * FROM {RESULTS} LIMIT 0")
            self._columns = {f.name: str(f.type) for f in table.schema}
        return self._columns

    def numeric(self, column: str) -> str:
        if not self.is_numeric(column):
            raise ToolError(f"{column!r} is not a numeric column of {RESULTS}")
        return column

    def is_numeric(self, column: str) -> bool:
        kind = self.columns.get(column, "")
        return any(t in kind for t in ("int", "double", "float", "bool", "decimal"))

    def where(self, cohort: str = "all", filters: list[Filter] | None = None) -> str:
        if cohort not in COHORTS:
            raise ToolError(f"unknown cohort {cohort!r}; known: {', '.join(COHORTS)}")
        parts = [f"({COHORTS[cohort]})"]
        for column, op, value in filters or []:
            if column not in self.columns or op not in _OPS:
                raise ToolError(f"bad filter {column!r} {op!r}")
            parts.append(f"{column} {op} {tr.to_literal(value).sql('athena')}")
        return " AND ".join(parts)

    # -- tools ------------------------------------------------------------------------

    def run_sql(self, sql: str) -> ToolResult:
        """Untrusted SQL: guarded (SELECT only, allow-listed schemas), row-limited."""
        safe = sql_guard.guard(sql, self.settings.agent_row_limit)
        rows = self._run(safe)
        return ToolResult("run_sql", {"sql": sql}, rows, {}, [safe], [RESULTS])

    def compare_segments(
        self,
        by: str,
        metric: str = TARGET,
        cohort: str = "all",
        filters: list[Filter] | None = None,
    ) -> ToolResult:
        """Mean of `metric` and customers per segment (a column or a named bucketing)."""
        expr = SEGMENTS.get(by) or (by if by in self.columns else None)
        if expr is None:
            raise ToolError(f"cannot segment by {by!r}")
        metric = self.numeric(metric)
        value = f"avg(CAST({metric} AS DOUBLE))"
        sql = (
            f"{BASE}, seg AS (SELECT {expr} AS segment, {metric} FROM base "
            f"WHERE {self.where(cohort, filters)}) SELECT segment, count(*) AS customers, "
            f"{value} AS value FROM seg GROUP BY segment ORDER BY value DESC"
        )
        rows = self._run(sql)
        figures = {str(r["segment"]): r["value"] for r in rows}
        figures |= {f"{r['segment']}.customers": r["customers"] for r in rows}
        args = {"by": by, "metric": metric, "cohort": cohort, "filters": filters or []}
        return ToolResult("compare_segments", args, rows, figures, [sql], [RESULTS])

    def correlation(
        self,
        feature: str,
        target: str = TARGET,
        cohort: str = "all",
        filters: list[Filter] | None = None,
    ) -> ToolResult:
        """Pearson correlation, and the target's mean per quartile of the feature."""
        feature, target = self.numeric(feature), self.numeric(target)
        where = f"{self.where(cohort, filters)} AND {feature} IS NOT NULL"
        sql = (
            f"{BASE}, q AS (SELECT {feature} AS x, {target} AS y, ntile(4) OVER (ORDER BY "
            f"{feature}) AS quartile FROM base WHERE {where}) SELECT quartile, count(*) AS "
            f"customers, min(x) AS feature_min, max(x) AS feature_max, avg(CAST(y AS DOUBLE)) "
            f"AS target_mean, (SELECT corr(x, CAST(y AS DOUBLE)) FROM q) AS correlation "
            f"FROM q GROUP BY quartile ORDER BY quartile"
        )
        rows = self._run(sql)
        figures = {f"Q{r['quartile']}": r["target_mean"] for r in rows}
        figures["correlation"] = rows[0]["correlation"] if rows else float("nan")
        figures["customers"] = float(sum(r["customers"] for r in rows))
        args = {"feature": feature, "target": target, "cohort": cohort, "filters": filters or []}
        return ToolResult("correlation", args, rows, figures, [sql], [RESULTS])

    def contrast(
        self,
        group: str,
        versus: str,
        features: list[str] | None = None,
        filters: list[Filter] | None = None,
        top: int = 6,
    ) -> ToolResult:
        """Feature means in two cohorts, ranked by standardised difference."""
        names = features or [c for c in self.model_features() if c in self.columns]
        names = [self.numeric(n) for n in names]
        a, b = self.where(group, filters), self.where(versus, filters)
        cols = ", ".join(
            f'avg(CASE WHEN {a} THEN CAST({n} AS DOUBLE) END) AS "{n}|a", '
            f'avg(CASE WHEN {b} THEN CAST({n} AS DOUBLE) END) AS "{n}|b", '
            f'stddev(CAST({n} AS DOUBLE)) AS "{n}|sd"'
            for n in names
        )
        counts = f"count(CASE WHEN {a} THEN 1 END) AS n_a, count(CASE WHEN {b} THEN 1 END) AS n_b"
        sql = f"{BASE} SELECT {counts}, {cols} FROM base"
        raw = self._run(sql)[0]
        rows = []
        for n in names:
            mean_a, mean_b, sd = raw[f"{n}|a"], raw[f"{n}|b"], raw[f"{n}|sd"]
            if mean_a is None or mean_b is None or not sd:
                continue
            diff = (mean_a - mean_b) / sd
            rows.append({"feature": n, group: mean_a, versus: mean_b, "std_difference": diff})
        rows.sort(key=lambda r: -abs(r["std_difference"]))
        rows = rows[:top]
        figures = {f"{r['feature']}.{group}": r[group] for r in rows}
        figures |= {f"{r['feature']}.{versus}": r[versus] for r in rows}
        figures |= {f"{group}.customers": raw["n_a"], f"{versus}.customers": raw["n_b"]}
        args = {"group": group, "versus": versus, "features": features, "filters": filters or []}
        return ToolResult("contrast", args, rows, figures, [sql], [RESULTS])

    def feature_stats(
        self, features: list[str] | None = None, filters: list[Filter] | None = None
    ) -> ToolResult:
        """count, missing, mean, std, min, median, max per numeric feature."""
        names = [self.numeric(n) for n in (features or self.model_features()) if n in self.columns]
        where = self.where("all", filters)
        parts = [
            f"SELECT '{n}' AS feature, count({n}) AS count, count(*) - count({n}) AS missing, "
            f"avg(CAST({n} AS DOUBLE)) AS mean, stddev(CAST({n} AS DOUBLE)) AS std, "
            f"CAST(min({n}) AS DOUBLE) AS min, approx_percentile(CAST({n} AS DOUBLE), 0.5) "
            f"AS median, CAST(max({n}) AS DOUBLE) AS max FROM base WHERE {where}"
            for n in names
        ]
        sql = f"{BASE} " + " UNION ALL ".join(parts)
        rows = self._run(sql)
        figures: dict[str, float] = {}
        for r in rows:
            for key in ("mean", "missing", "min", "max"):
                figures[f"{r['feature']}.{key}"] = r[key]
        args = {"features": features, "filters": filters or []}
        return ToolResult("feature_stats", args, rows, figures, [sql], [RESULTS])

    def distribution(self, metric: str = TARGET, filters: list[Filter] | None = None) -> ToolResult:
        """Customers per 0.1-wide band of a 0-1 score, with mean and median."""
        return self.compare_segments("engagement_band", self.numeric(metric), "all", filters)

    def data_quality(self) -> ToolResult:
        """Missing values, values outside the contract's ranges, duplicates, anomalies."""
        stats = self.feature_stats()
        from engage.contract import CUSTOMERS

        checks = []
        for c in CUSTOMERS.columns:
            if c.name in self.columns and c.minimum is not None and c.maximum is not None:
                checks.append(
                    f"count(CASE WHEN {c.name} < {c.minimum} OR {c.name} > {c.maximum} "
                    f'THEN 1 END) AS "out_of_range.{c.name}"'
                )
        sql = (
            f"SELECT count(*) AS rows, count(*) - count(DISTINCT customer_id) AS duplicate_ids, "
            f"count(CASE WHEN anomaly_flag THEN 1 END) AS anomaly_flags, {', '.join(checks)} "
            f"FROM {RESULTS}"
        )
        summary = self._run(sql)[0]
        missing = {f"missing.{r['feature']}": r["missing"] for r in stats.rows if r["missing"]}
        figures = {k: float(v) for k, v in summary.items() if not k.startswith("out_of_range") or v}
        figures |= missing
        rows = [{"check": k, "value": v} for k, v in figures.items()]
        return ToolResult("data_quality", {}, rows, figures, [*stats.sql, sql], [RESULTS])

    def model_metrics(self, model: str = "engagement") -> ToolResult:
        """Train/validation/test metrics of the model's latest version."""
        table = TableName.MODEL_METRICS
        lit = tr.to_literal(model).sql("athena")
        sql = (
            f"SELECT split, metric, value, model_version, run_id, created_at FROM {table} "
            f"WHERE model_name = {lit} AND run_id = (SELECT max_by(run_id, created_at) "
            f"FROM {table} WHERE model_name = {lit}) ORDER BY split, metric"
        )
        rows = self._run(sql)
        if not rows:
            raise ToolError(f"no metrics for model {model!r}")
        figures = {f"{r['split']}.{r['metric']}": r["value"] for r in rows}
        return ToolResult("model_metrics", {"model": model}, rows, figures, [sql], [table])

    def feature_importance(
        self, model: str = "engagement", k: int = 5, order: str = "top"
    ) -> ToolResult:
        """Mean |SHAP| per feature of the model's latest version: top or bottom k."""
        table = TableName.FEATURE_IMPORTANCE
        lit = tr.to_literal(model).sql("athena")
        direction = "ASC" if order == "bottom" else "DESC"
        sql = (
            f"SELECT feature, mean_abs_shap, rank, model_version, run_id FROM {table} "
            f"WHERE model_name = {lit} AND run_id = (SELECT max(run_id) FROM {table} "
            f"WHERE model_name = {lit}) ORDER BY mean_abs_shap {direction}, feature "
            f"LIMIT {int(k)}"
        )
        rows = self._run(sql)
        figures = {r["feature"]: r["mean_abs_shap"] for r in rows}
        args = {"model": model, "k": k, "order": order}
        return ToolResult("feature_importance", args, rows, figures, [sql], [table])

    def explain_customer(self, customer_id: str) -> ToolResult:
        """The engagement score and top SHAP features stored for one customer."""
        table = TableName.PREDICTIONS
        lit = tr.to_literal(customer_id).sql("athena")
        sql = (
            f"SELECT customer_id, predicted_engagement_score, engagement_top_features, "
            f"churn_probability, churn_top_features, engagement_model_version, run_id "
            f"FROM {table} WHERE customer_id = {lit}"
        )
        rows = self._run(sql)
        figures = (
            {"predicted_engagement_score": rows[0]["predicted_engagement_score"]} if rows else {}
        )
        for item in rows[0]["engagement_top_features"] if rows else []:
            figures[f"impact.{item['feature']}"] = item["impact"]
        return ToolResult(
            "explain_customer", {"customer_id": customer_id}, rows, figures, [sql], [table]
        )

    def run_plan(self, plan: Any) -> ToolResult:
        """A typed query plan (the semantic layer's measures, dimensions, filters) run as SQL."""
        from engage.agent.semantic.run import run_plan

        return run_plan(self, plan)

    def model_metric(
        self, model: str, split: str = "test", metrics: list[str] | None = None
    ) -> ToolResult:
        from engage.agent.semantic.run import model_metric

        return model_metric(self, model, split, metrics or ["r2"])

    def fairness(
        self, model: str = "churn", attribute: str = "gender", metric: str = "di_ratio"
    ) -> ToolResult:
        from engage.agent.semantic.run import fairness

        return fairness(self, model, attribute, metric)

    def explain_churn(self, customer_id: str) -> ToolResult:
        """The churn model's probability and SHAP contributions stored for one customer."""
        table = "engagement_predictions.predictions"
        lit = tr.to_literal(customer_id).sql("athena")
        sql = (
            f"SELECT customer_id, churn_probability, churn_prediction, churn_top_features, "
            f"churn_model_version, run_id FROM {table} WHERE customer_id = {lit}"
        )
        rows = self._run(sql)
        figures = {"churn_probability": rows[0]["churn_probability"]} if rows else {}
        for item in rows[0]["churn_top_features"] or [] if rows else []:
            figures[f"impact.{item['feature']}"] = item["impact"]
        return ToolResult(
            "explain_churn", {"customer_id": customer_id}, rows, figures, [sql], [table]
        )

    def counterfactual(self, customer_id: str) -> ToolResult:
        from engage.agent.whatif import counterfactual

        return counterfactual(self, customer_id)

    def what_if(self, **kwargs: Any) -> ToolResult:
        from engage.agent.whatif import what_if

        return what_if(self, **kwargs)

    def levers(self, **kwargs: Any) -> ToolResult:
        from engage.agent.whatif import levers

        return levers(self, **kwargs)

    def citations(self) -> dict[str, Any]:
        """Run id, served model versions and data timestamp of the results answered from."""
        if getattr(self, "_citations", None) is None:
            sql = (
                "SELECT run_id, model_version, max(prediction_timestamp) AS data_timestamp "
                "FROM engagement_predictions.predictions GROUP BY run_id, model_version "
                "ORDER BY data_timestamp DESC LIMIT 1"
            )
            rows = self._run(sql)
            self._citations = rows[0] if rows else {}
        return dict(self._citations)

    def model_features(self) -> list[str]:
        from engage.contract import MODEL_INPUTS

        return [n for n in MODEL_INPUTS if self.is_numeric(n) and n != "age"]

    def call(self, name: str, args: dict[str, Any]) -> ToolResult:
        """Dispatch by tool name (what an LLM's tool-use block names)."""
        if name not in TOOL_SPECS:
            raise ToolError(f"unknown tool {name!r}")
        return getattr(self, name)(**args)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value

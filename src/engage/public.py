"""The Python API for notebooks and scripts: `engage.open(lake)` and `engage.run(rows=...)`.

Built on the same library functions as the CLI (`engage sql`, `engage explain`,
`engage ask`, `engage run`), so a notebook sees exactly what the commands print.
An entry point like the CLI: it composes the adapters through `engage.bootstrap`.

    import engage
    lake = engage.run(rows=3000, lake="/tmp/lake", data_dir="/tmp/data")
    lake.sql("SELECT engagement_category, count(*) AS n FROM "
             "engagement_predictions.predictions GROUP BY 1")    # a pandas DataFrame
    lake.explain("CUST_0000042")["predictions"]["churn_probability"]
    lake.ask("How many customers are at risk of churning?").text
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from engage import bootstrap
from engage.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from engage.agent.answer import Answer
    from engage.agent.session import Session
    from engage.ports import SqlEngine


class Lake:
    """One lake and its catalog, opened read-only on first use; close it (or use `with`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: SqlEngine | None = None
        self._session: Session | None = None

    @property
    def engine(self) -> SqlEngine:
        if self._engine is None:
            self._engine = bootstrap.sql_engine(self.settings, read_only=True)
        return self._engine

    def tables(self) -> list[str]:
        """Qualified names of every table and view in the catalog."""
        return self.engine.tables()

    def sql(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """A read-only SELECT (Athena dialect, `:name` parameters) as a DataFrame."""
        return self.engine.query(query, params).to_pandas()

    def explain(self, customer_id: str, hints: bool = True) -> dict[str, Any]:
        """A customer's predictions, top features per model and (optionally) what-if hints.

        The same data `engage explain` prints: {"predictions", "top_features", "hints"};
        a model whose hints cannot be computed gets its error text instead.
        """
        from engage.serving.explain import MODEL_COLUMNS, fetch_customer, model_hints

        record = fetch_customer(self.engine, customer_id, with_reference=hints)
        out: dict[str, Any] = {
            "predictions": record.predictions,
            "top_features": {
                n: record.predictions.get(c.features_column) for n, c in MODEL_COLUMNS.items()
            },
            "hints": {},
        }
        if hints:
            store = bootstrap.object_store(self.settings)
            for name in MODEL_COLUMNS:
                try:
                    found = model_hints(store, record, name)
                except Exception as err:  # a model not served yet only skips its hints
                    out["hints"][name] = f"unavailable: {err}"
                    continue
                out["hints"][name] = {
                    "served_version": found.version,
                    "goal": str(found.goal),
                    "now": found.now,
                    "changes": [asdict(h) for h in found.hints],
                }
        return out

    def ask(self, question: str) -> Answer:
        """Answer a question from this run's results; follow-ups refer to the previous one."""
        if self._session is None:
            self._session = bootstrap.session(self.settings)
        return self._session.ask(question)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._engine is not None:
            close = getattr(self._engine, "close", None)
            if close is not None:
                close()
            self._engine = None

    def __enter__(self) -> Lake:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_lake(lake: str | Path | None = None, **settings: Any) -> Lake:
    """The lake at `lake` (default ENGAGE_LAKE or ./lake); other Settings fields as keywords."""
    if lake is not None:
        settings["lake"] = str(lake)
    return Lake(Settings(**settings))


def run(
    rows: int | None = None,
    *,
    lake: str | Path | None = None,
    data_dir: str | Path | None = None,
    seed: int | None = None,
    **settings: Any,
) -> Lake:
    """What `engage run` does: generate `rows` customers (or use the data there), run the
    whole pipeline, and return the lake it wrote. Raises RuntimeError if the run failed."""
    from engage.data import generate
    from engage.orchestrate import run_pipeline

    overrides = {
        **settings,
        **({"lake": str(lake)} if lake is not None else {}),
        **({"data_dir": Path(data_dir)} if data_dir is not None else {}),
        **({"seed": seed} if seed is not None else {}),
    }
    config = Settings(**overrides)
    has_data = (config.data_dir / "manifest.json").exists()
    if rows is not None or not has_data:
        generate(rows or config.rows, config.seed, config.data_dir, ["parquet"])
    result = run_pipeline(config)
    if not result.succeeded:
        raise RuntimeError(
            f"pipeline run {result.run_id} failed at {result.result.failed_state}: "
            f"{(result.result.cause or '')[:500]} (details: engage runs show {result.run_id})"
        )
    return Lake(config)

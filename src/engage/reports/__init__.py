"""Executive reports of one run: Engagement, Costs and Architecture PDFs plus an HTML page.

Every figure comes from the run (catalog queries, the run record, the cost estimate);
see `engage.reports.data`. Rendering is offline: matplotlib (Agg) and reportlab.
"""

from __future__ import annotations

from pathlib import Path

from engage import lake
from engage.cost import run_cost
from engage.pipeline.history import RunHistory
from engage.ports import Catalog, ObjectStore
from engage.reports import architecture, costs, engagement, html
from engage.reports.data import ReportData, gather
from engage.settings import Settings

__all__ = ["ReportData", "build_reports", "gather"]


def build_reports(
    store: ObjectStore,
    catalog: Catalog,
    settings: Settings,
    run_id: str | None = None,
    out: Path | None = None,
) -> list[Path]:
    """Write the three PDFs and the HTML page of a run (default the latest succeeded one)."""
    cost = run_cost(store, settings, run_id)
    run_id = cost.usage.run_id
    record = RunHistory(store).get(run_id)
    sql = catalog.reader()
    try:
        data = gather(sql, record, cost)
    finally:
        close = getattr(sql, "close", None)
        if close:
            close()
    folder = out or Path(settings.lake) / lake.REPORTS / run_id
    pdfs = [
        engagement.build(data, folder / "engagement.pdf"),
        costs.build(data, folder / "costs.pdf"),
        architecture.build(data, folder / "architecture.pdf"),
    ]
    return [*pdfs, html.build(data, folder / "report.html", pdfs)]

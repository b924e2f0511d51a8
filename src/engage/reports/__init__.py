"""Executive reports of one run: Engagement, Costs and Architecture PDFs plus an HTML page.

Every figure comes from the run (catalog queries, the run record, the cost estimate);
see `engage.reports.data`. Rendering is offline: matplotlib (Agg) and reportlab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engage import lake
from engage.cost import run_cost
from engage.pipeline.history import RunHistory
from engage.ports import Catalog, ObjectStore
from engage.reports import architecture, costs, engagement, html
from engage.reports.data import ReportData, gather
from engage.settings import Settings

__all__ = ["ReportData", "build_reports", "gather"]


STEPS = ("cost estimate", "catalog queries", "engagement.pdf", "costs.pdf",
         "architecture.pdf", "report.html")  # fmt: skip


def build_reports(
    store: ObjectStore,
    catalog: Catalog,
    settings: Settings,
    run_id: str | None = None,
    out: Path | None = None,
    step: Callable[[str], None] = lambda name: None,
    detail: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the three PDFs and the HTML page of a run (default the latest succeeded one).

    `step(name)` is called as each of `STEPS` starts and `detail(text)` as each
    chart of a PDF is drawn (the CLI shows both: the whole takes 10-80 s, and
    silence reads as a hang).
    """
    step(STEPS[0])
    cost = run_cost(store, settings, run_id)
    run_id = cost.usage.run_id
    record = RunHistory(store).get(run_id)
    step(STEPS[1])
    sql = catalog.reader()
    try:
        data = gather(sql, record, cost)
    finally:
        close = getattr(sql, "close", None)
        if close:
            close()
    folder = out or Path(settings.lake) / lake.REPORTS / run_id
    pdfs = []
    for name, module in zip(STEPS[2:5], (engagement, costs, architecture), strict=True):
        step(name)
        pdfs.append(module.build(data, folder / name, on_chart=detail))
    step(STEPS[5])
    return [*pdfs, html.build(data, folder / STEPS[5], pdfs)]

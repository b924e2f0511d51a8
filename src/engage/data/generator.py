"""`engage generate`: synthetic customers in chunks with bounded memory.

Customers are generated in communities of at most COMMUNITY_SIZE; the social graph
and centrality are computed within each community. The data depend only on the
seed and the number of rows.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engage import __version__, contract
from engage.data import content
from engage.data.arrow import item_ids, to_table
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import Catalogue, build_catalogue
from engage.data.random import stream
from engage.data.writer import FORMATS, TableSink, staging_dir, swap_into_place
from engage.settings import MAX_ROWS

COMMUNITY_SIZE = 250_000
AS_OF = dt.date(2026, 10, 31)
BYTES_PER_CUSTOMER = {"parquet": 2_500, "csv": 9_000}  # measured at 100K, rounded up
PER_CUSTOMER_TABLES = (
    contract.CUSTOMERS,
    contract.CUSTOMER_PII,
    contract.INTERACTIONS,
    contract.ACTIVITY,
    contract.EDGES,
    contract.GROUND_TRUTH,
    contract.TRUTH_TASTES,
    contract.CUSTOMER_MESSAGES,
    contract.TRUTH_MESSAGES,
    contract.BANDIT_LOG,
    contract.TRUTH_ACTIONS,
    contract.TRUTH_ACTIVITY,
)


class GenerationError(ValueError):
    """Bad arguments or an unusable output directory; the message says which."""


@dataclass
class GenerationSummary:
    out: str
    rows: int
    seed: int
    formats: list[str]
    as_of: str
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)
    version: str = __version__


def generate(
    rows: int,
    seed: int,
    out: Path,
    formats: Iterable[str] = FORMATS,
    on_chunk: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Write every contract table for `rows` customers into `out` (atomically replaced)."""
    formats = check_args(rows, out, list(formats))
    started = time.perf_counter()
    summary = GenerationSummary(str(out), rows, seed, formats, AS_OF.isoformat())
    stage = staging_dir(out)
    try:
        summary.tables = _write_all(rows, seed, stage, formats, on_chunk)
        summary.seconds = round(time.perf_counter() - started, 3)
        (stage / "manifest.json").write_text(json.dumps(asdict(summary), indent=2))
        swap_into_place(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return summary


def _write_all(
    rows: int,
    seed: int,
    stage: Path,
    formats: list[str],
    on_chunk: Callable[[int, int], None] | None,
) -> dict[str, int]:
    catalogue = build_catalogue(stream(seed, 0, "catalogue"))
    sinks = {
        t.name: TableSink(stage, t.name, t.arrow_schema(), formats) for t in PER_CUSTOMER_TABLES
    }
    width = max(7, len(str(rows)))
    try:
        for index, first in enumerate(range(0, rows, COMMUNITY_SIZE)):
            size = min(COMMUNITY_SIZE, rows - first)
            spec = ChunkSpec(seed, index, first + 1, size, width, AS_OF, catalogue)
            for name, table in generate_chunk(spec).items():
                sinks[name].write(table)
            if on_chunk:
                on_chunk(first + size, rows)
    finally:
        for sink in sinks.values():
            sink.close()
    _write_catalogue(stage, catalogue, formats)
    counts = {name: sink.rows for name, sink in sinks.items()}
    items = {contract.CONTENT_ITEMS.name: catalogue.size, contract.TRUTH_ITEMS.name: catalogue.size}
    return counts | items


def _write_catalogue(stage: Path, catalogue: Catalogue, formats: list[str]) -> None:
    codes = {"category": (catalogue.category, contract.CONTENT_CATEGORIES)}
    truth = content.item_truth_columns(catalogue)
    for table, data in (
        (contract.CONTENT_ITEMS, {"item_id": item_ids(catalogue.size)}),
        (contract.TRUTH_ITEMS, {"item_id": item_ids(catalogue.size), **truth}),
    ):
        sink = TableSink(stage, table.name, table.arrow_schema(), formats)
        sink.write(to_table(table, data, codes))
        sink.close()


def check_args(rows: int, out: Path, formats: list[str]) -> list[str]:
    """Refuse bad arguments before anything is shown or written (GenerationError)."""
    if rows <= 0:
        raise GenerationError(f"--rows must be a positive number of customers, got {rows}")
    if rows > MAX_ROWS:
        raise GenerationError(f"--rows {rows:,} is over the limit of {MAX_ROWS:,} customers")
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise GenerationError(f"--formats must be among {', '.join(FORMATS)}, got {formats}")
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if out.exists() and not out.is_dir():
        raise GenerationError(f"--out {out} exists and is not a directory")
    _refuse_foreign_folder(out)
    _probe_writable(out, parent)
    need = rows * sum(BYTES_PER_CUSTOMER[f] for f in formats)
    free = shutil.disk_usage(parent).free
    if need > free:
        raise GenerationError(
            f"--rows {rows:,} needs about {need / 1e6:,.0f} MB in {parent}, only "
            f"{free / 1e6:,.0f} MB free"
        )
    return formats


def _refuse_foreign_folder(out: Path) -> None:
    """Only an empty folder or one this generator wrote (it has manifest.json) is replaced.

    Why: the whole folder is swapped for the new data set, so a folder holding the
    user's own files (a customers.csv, say) would lose them.
    """
    if not out.is_dir() or (out / "manifest.json").is_file():
        return
    theirs = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if theirs:
        shown = ", ".join(theirs[:5]) + (", ..." if len(theirs) > 5 else "")
        raise GenerationError(
            f"--out {out} holds files that engage generate did not write ({shown}); "
            "refusing to replace them: pick an empty or new folder"
        )


def _probe_writable(out: Path, parent: Path) -> None:
    """Really create a file: permission bits lie for root and special filesystems."""
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise GenerationError(f"--out {out}: cannot write in {parent} ({exc.strerror})") from None

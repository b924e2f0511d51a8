"""Per-run generations of a local lake, published by one atomic pointer.

Why: a run replaces a dozen tables (processed data, per-model scores, predictions,
QA, final results, metrics, the knowledge base) and moves the served-model
pointers. Swapping each in place would let a reader, or a `kill -9`, see some of a
run's tables beside the previous run's. Instead every *generational* key
(`engage.lake.is_generational`) lives in a generation folder,
``<lake>/.generations/<run id>/<key>``, and ``<lake>/.published.json`` names the
published one. A run starts its generation as a hard-linked snapshot of the
published one (plus a copy of its catalog), writes only there, and publishes by
replacing the pointer file with `os.replace`: readers see the previous complete
generation until that instant and the new complete one after it. A killed run
leaves an unreferenced folder that the next publication removes.

Everything else (registry versions, run history, reports, audit trail, QA
decisions, restricted data) stays at the lake root, shared by every generation.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pyarrow as pa

from engage import lake
from engage.adapters.store.local import LocalObjectStore

GENERATIONS = ".generations"
POINTER = ".published.json"
CATALOG = "catalog.duckdb"
KEEP = 2  # the published generation and the one before (readers may still hold it)


def published(root: Path) -> str | None:
    """The published generation's id, or None for a lake that has never published one."""
    try:
        return json.loads((Path(root) / POINTER).read_text(encoding="utf-8"))["generation"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


def generation_root(root: Path, generation: str) -> Path:
    return Path(root) / GENERATIONS / generation


def catalog_of(root: Path, generation: str) -> Path:
    """The generation's own DuckDB catalog (its views read that generation's files)."""
    return generation_root(root, generation) / CATALOG


class GenerationStore:
    """ObjectStore over a lake whose generational keys live in one generation.

    `generation=None` follows the published pointer (re-read when the file changes),
    which is what every reader outside a run uses; a run passes its own id. A lake
    that has published nothing yet behaves as a plain LocalObjectStore.
    """

    def __init__(self, base: LocalObjectStore, generation: str | None = None) -> None:
        self.base = base
        self.root = base.root
        self.fixed = generation
        self._seen: tuple[float, str | None] | None = None
        self._gen_store: tuple[str, LocalObjectStore] | None = None

    def __repr__(self) -> str:
        return f"GenerationStore({str(self.root)!r}, {self.generation!r})"

    @property
    def generation(self) -> str | None:
        if self.fixed is not None:
            return self.fixed
        try:
            stamp = (self.root / POINTER).stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if self._seen is None or self._seen[0] != stamp:
            self._seen = (stamp, published(self.root))
        return self._seen[1]

    def search_path(self) -> list[Path]:
        """Folders a relative key resolves against, generation first (DuckDB views)."""
        gen = self.generation
        return [generation_root(self.root, gen), self.root] if gen else [self.root]

    def catalog_path(self) -> Path | None:
        """The generation's catalog file, or None before the first publication."""
        gen = self.generation
        return catalog_of(self.root, gen) if gen else None

    def _store(self, key: str) -> LocalObjectStore:
        gen = self.generation
        if gen is None or not lake.is_generational(key):
            return self.base
        if self._gen_store is None or self._gen_store[0] != gen:
            self._gen_store = (gen, LocalObjectStore(generation_root(self.root, gen)))
        return self._gen_store[1]

    # -- ObjectStore -----------------------------------------------------------------

    def uri(self, key: str) -> str:
        return self._store(key).uri(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._store(key).put_bytes(key, data)

    def get_bytes(self, key: str) -> bytes:
        return self._store(key).get_bytes(key)

    def exists(self, key: str) -> bool:
        return self._store(key).exists(key)

    def list(self, prefix: str) -> list[str]:
        """Shared keys from the root, generational ones from the generation."""
        gen_store = self._store(lake.RESULTS_FINAL)
        if gen_store is self.base:
            return self.base.list(prefix)
        shared = [k for k in self.base.list(prefix) if not lake.is_generational(k)]
        own = [k for k in gen_store.list(prefix) if lake.is_generational(k)]
        return sorted(shared + own)

    def delete_prefix(self, prefix: str) -> int:
        return self._store(prefix).delete_prefix(prefix)

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        self._store(key).write_parquet(key, table, partition_cols)

    def read_parquet(self, key: str) -> pa.Table:
        return self._store(key).read_parquet(key)

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        """Swap a staged dataset (staging is shared) into the key's place."""
        staged = Path(self.base.uri(staging_prefix))
        if not staged.is_dir():
            raise FileNotFoundError(f"nothing staged at {staging_prefix!r} to publish")
        target = self._store(final_prefix)
        target.swap_in(staged, Path(target.uri(final_prefix)))


def begin(root: Path, generation: str) -> Path:
    """Start a run's generation as a snapshot of the published one; returns its catalog.

    Files are hard-linked (a generation never changes a file in place: every write
    is a new file renamed into place), the catalog is copied (DuckDB writes it in
    place). A lake from before generations contributes its root-level files.
    """
    root = Path(root)
    target = generation_root(root, generation)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    current = published(root)
    if current is not None:
        source = generation_root(root, current)
        _link_tree(source, target, skip={CATALOG})
        if (source / CATALOG).is_file():
            shutil.copy2(source / CATALOG, target / CATALOG)
    else:
        for key in LocalObjectStore(root).list(""):
            if lake.is_generational(key):
                _link(root / key, target / key)
    return target / CATALOG


def commit(root: Path, generation: str) -> None:
    """Publish a complete generation: one `os.replace` of the pointer, then tidy up."""
    root = Path(root)
    if not generation_root(root, generation).is_dir():
        raise FileNotFoundError(f"no generation {generation!r} in lake {root}")
    previous = published(root)
    record = {"generation": generation, "previous": previous, "published_at": time.time()}
    tmp = root / f"{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, root / POINTER)
    collect(root, keep={generation, *([previous] if previous else [])})


def export_catalog(root: Path, generation: str, target: Path) -> Path:
    """Copy the generation's catalog to `target` with views that name lake paths.

    Why: the README's ``lake/catalog.duckdb`` opens in any DuckDB client. Engage's own
    readers use the generation's catalog (keys resolved against the generation);
    this copy rewrites each generational key to ``.generations/<id>/<key>``, so from
    the lake folder (or with ``SET file_search_path='<lake>'``) every view answers.
    """
    import duckdb  # the store module itself needs no SQL engine

    root, target = Path(root), Path(target)
    work = target.with_name(f".{target.name}.{os.getpid()}.export")
    shutil.copy2(catalog_of(root, generation), work)
    try:
        con = duckdb.connect(str(work))
        try:
            con.execute("SET file_search_path = ?", [str(root)])
            views = con.execute(
                "SELECT sql FROM duckdb_views() WHERE NOT internal AND sql LIKE '%read_parquet(%'"
            ).fetchall()
            for (sql,) in views:
                con.execute(_repoint(sql, f"{GENERATIONS}/{generation}/"))
        finally:
            con.close()
        os.replace(work, target)
    finally:
        work.unlink(missing_ok=True)
    return target


def _repoint(view_sql: str, folder: str) -> str:
    def swap(match: re.Match[str]) -> str:
        key = match.group(2)
        return match.group(1) + (folder + key if lake.is_generational(key) else key)

    sql = re.sub(r"(read_parquet\(')([^']+)", swap, view_sql)
    return sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)


def collect(root: Path, keep: set[str]) -> list[str]:
    """Delete generations other than `keep` (killed runs' and superseded ones)."""
    folder = Path(root) / GENERATIONS
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def _link_tree(source: Path, target: Path, skip: set[str]) -> None:
    for dirpath, _, filenames in os.walk(source):
        rel = Path(dirpath).relative_to(source)
        for name in filenames:
            if rel == Path(".") and name in skip:
                continue
            _link(Path(dirpath) / name, target / rel / name)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or links not allowed: copy instead
        shutil.copy2(source, target)

"""2,000 generated customers, one good pipeline run and one rerun, shared by these tests.

A full run takes seconds, so the session makes one baseline run and one rerun and the
tests read what they left. Tests that change the lake get it restored *in place*
from a pristine snapshot (`baseline_lake`): the DuckDB catalog's views name the
lake's Parquet files by absolute path, so a copy of the lake in another folder would
still read the original's files and prove nothing about its own. (Views now name lake
keys, so a copy would do; restoring in place keeps the tests' paths stable.)
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import uvicorn

from engage import bootstrap, lake
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.data import generate
from engage.models.registry import ModelRegistry
from engage.orchestrate import PipelineRun, run_pipeline
from engage.pipeline.history import RunHistory, RunSummary
from engage.ports import SqlEngine
from engage.settings import Settings
from engage.stages import qa_table
from engage.stages.services import Services
from engage.stages.tasks import event_from_task_input

ROWS = 2_000
SEED = 3
PREDICTIONS = (
    "SELECT customer_id, predicted_engagement_score, model_version, run_id "
    "FROM engagement_predictions.predictions ORDER BY customer_id"
)


def no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


@dataclass
class Baseline:
    """The session's good run: its source data, its lake and a pristine copy of the lake."""

    source: Path
    lake: Path
    pristine: Path
    run: PipelineRun
    dirty: bool = False  # a test changed the lake and has not restored it yet

    def settings(self, source: Path | None = None) -> Settings:
        return Settings(lake=str(self.lake), data_dir=source or self.source)

    def restore(self) -> None:
        """Put the lake back exactly as the baseline run left it, in the same folder.

        The changed lake is moved aside (a rename) rather than deleted: quicker, and
        pytest's temporary folders are cleaned up anyway.
        """
        self.lake.rename(self.lake.with_name(f"discarded-{uuid.uuid4().hex}"))
        shutil.copytree(self.pristine, self.lake)
        self.dirty = False

    def query(self, sql: str) -> pa.Table:
        engine = bootstrap.sql_engine(self.settings(), read_only=True)
        try:
            return engine.query(sql)
        finally:
            engine.close()


@dataclass
class Rerun:
    """A second run over the baseline lake with the same data, and what it left behind.

    On the way in, an interrupted earlier run had left files under _staging/, and the
    QA-table stage failed once (a transient fault) before the real stage ran.
    """

    run: PipelineRun
    planted: list[Path]
    survivors: list[Path]  # planted files still there after the run
    qa_calls: int
    predictions: pa.Table
    latest: str | None
    versions: list[str]
    runs: list[RunSummary]


@pytest.fixture(scope="session")
def e2e_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pipeline_e2e") / "data"
    generate(ROWS, SEED, out, formats=("parquet",))
    return out


@pytest.fixture(scope="session")
def baseline(e2e_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    root = tmp_path_factory.mktemp("baseline")
    lake_dir = root / "lake"
    run = run_pipeline(Settings(lake=str(lake_dir), data_dir=e2e_source), sleep=no_wait)
    assert run.succeeded, run.result.cause
    shutil.copytree(lake_dir, root / "pristine")
    return Baseline(e2e_source, lake_dir, root / "pristine", run)


@pytest.fixture
def baseline_lake(baseline: Baseline) -> Iterator[Baseline]:
    """The baseline lake for a test that changes it; restored afterwards (and before, if
    an earlier test could not restore it)."""
    if baseline.dirty:
        baseline.restore()
    baseline.dirty = True
    yield baseline
    baseline.restore()


@pytest.fixture
def catalog(baseline: Baseline) -> Iterator[SqlEngine]:
    """The baseline catalog, read-only."""
    if baseline.dirty:
        baseline.restore()
    engine = bootstrap.sql_engine(baseline.settings(), read_only=True)
    yield engine
    engine.close()


def fails_first(stage: Any, failures: int) -> tuple[Callable, dict]:
    """A task factory (for run_pipeline's `tasks`): the task raises `failures` times, then
    runs the real stage with the run's services; and its call count."""
    calls = {"n": 0}

    def factory(services: Services) -> Callable[[Any], Any]:
        def task(task_input: Any) -> Any:
            calls["n"] += 1
            if calls["n"] <= failures:
                raise RuntimeError(f"transient fault #{calls['n']}")
            return stage.run(event_from_task_input(task_input), services)

        return task

    return factory, calls


def plant_leftovers(lake_dir: Path) -> list[Path]:
    """What interrupted stages leave: half-written files under their _staging/ work areas."""
    token = uuid.uuid4().hex
    leftovers = [
        lake_dir
        / lake.STAGING
        / "predictions"
        / "run_20000101T000000Z_dead00"
        / "predictions.parquet",
        lake_dir / lake.STAGING / "engagement_qa.human_review" / token / "data_0.parquet",
        lake_dir / lake.STAGING / "models" / "engagement" / token / "model.ubj",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1 half a file")
    return leftovers


@pytest.fixture(scope="session")
def rerun(baseline: Baseline) -> Rerun:
    if baseline.dirty:
        baseline.restore()
    baseline.dirty = True
    planted = plant_leftovers(baseline.lake)
    settings = baseline.settings()
    flaky, calls = fails_first(qa_table, failures=1)
    run = run_pipeline(settings, tasks={"create-qa-table": flaky}, sleep=no_wait)
    assert run.succeeded, run.result.cause
    store = bootstrap.object_store(settings)
    registry = ModelRegistry(store, "engagement")
    result = Rerun(
        run=run,
        planted=planted,
        survivors=[p for p in planted if p.exists()],
        qa_calls=calls["n"],
        predictions=baseline.query(PREDICTIONS),
        latest=registry.latest(),
        versions=registry.versions(),
        runs=RunHistory(store).list_runs(),
    )
    baseline.restore()
    return result


# -- the web app on a real server (tests/pipeline_e2e/test_web_*.py) ------------------------


@dataclass
class Served:
    url: str
    admin_key: str
    reader_key: str
    settings: Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(settings: Settings) -> Iterator[Served]:
    keys = KeyStore(settings.resolved_keys_path())
    suffix = str(time.time_ns())[-8:]
    _, admin = keys.create(f"web-admin-{suffix}", "admin")
    _, reader = keys.create(f"web-reader-{suffix}", "reader")
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", admin, reader, settings)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def web(baseline: Baseline) -> Iterator[Served]:
    """The app over the baseline lake; the lake is restored afterwards (reviews write to it)."""
    if baseline.dirty:
        baseline.restore()
    baseline.dirty = True
    with serve(baseline.settings()) as served:
        yield served
    baseline.restore()

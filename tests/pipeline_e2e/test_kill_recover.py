"""Kill-and-recover suite: `kill -9` at every stage boundary and inside the publish step.

Each case copies the baseline lake (a lake is relocatable: views name lake keys),
starts a real pipeline run in a child process that SIGKILLs itself at one point,
and, while it runs, keeps querying the published tables from this process. Every
query must answer, and with the baseline run's results, until the instant the run
publishes; after the kill the published tables, per-model scores, metrics and
served-model pointers are exactly as before (or, for a kill after the pointer was
replaced, exactly the killed run's complete results). A later run then succeeds.

Slow (a pipeline run per case): marked `soak`, run by `make soak`.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from engage.adapters.sql import DuckDbEngine
from engage.adapters.store import generations
from engage.adapters.store.generations import GenerationStore
from engage.adapters.store.local import LocalObjectStore
from engage.agent.kb import VECTORS
from engage.bootstrap import SQL_DIR
from engage.models.registry import ModelRegistry
from engage.orchestrate import run_pipeline
from engage.settings import Settings
from engage.stages.plans import PLANS
from engage.stages.tasks import STAGES

pytestmark = [pytest.mark.soak, pytest.mark.slow]

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from engage.settings import Settings
    from engage.orchestrate import run_pipeline
    from engage.stages import tasks
    from engage.adapters.store import generations, local
    from engage.models import registry

    lake, data, point = sys.argv[1:4]
    where, _, name = point.partition(":")

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "after":  # a stage boundary: the stage finished, the next has not begun
        stage = tasks.STAGES[name]
        class Killing:
            __name__ = stage.__name__
            def run(self, event, services):
                stage.run(event, services)
                die()
        tasks.STAGES[name] = Killing()
    elif where == "swap":  # inside a table publication (the one-step folder swap)
        real_swap = local.LocalObjectStore.swap_in
        def swap_in(self, staged, final):
            real_swap(self, staged, final)
            if name in str(final):
                die()
        local.LocalObjectStore.swap_in = swap_in
    elif where == "promote":  # inside the ensemble, after one served pointer moved
        real_promote = registry.ModelRegistry.promote
        def promote(self, version, run_id):
            real_promote(self, version, run_id)
            die()
        registry.ModelRegistry.promote = promote
    elif where == "commit":  # inside the publication of the run
        real_replace = os.replace
        def replace(src, dst, **kw):
            pointer = str(dst).endswith(generations.POINTER)
            if pointer and name == "before-pointer":
                die()
            real_replace(src, dst, **kw)
            if pointer and name == "after-pointer":
                die()
        generations.os.replace = replace
    run = run_pipeline(Settings(lake=lake, data_dir=data), sleep=lambda s: None)
    sys.exit(0 if run.succeeded else 3)
    """
)
KILL_POINTS = [
    *(f"after:{name}" for name in STAGES),
    "swap:scores/churn",
    "swap:engagement-results/final",
    "promote:first",
    "commit:before-pointer",
    "commit:after-pointer",
]


def no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


def published(settings: Settings) -> dict[str, Any]:
    """What readers see: run ids of every per-run table, score versions, served models.

    Read from one generation (pinned at the start), so that a snapshot taken across a
    publication is not itself a mix of two generations.
    """
    root = Path(settings.lake)
    generation = generations.published(root)
    store = GenerationStore(LocalObjectStore(root), generation)
    engine = DuckDbEngine(store, generations.catalog_of(root, generation), SQL_DIR, read_only=True)
    try:

        def ids(sql: str) -> list[Any]:
            return sorted({r["v"] for r in engine.query(sql).to_pylist()})

        state: dict[str, Any] = {
            "final": ids("SELECT pipeline_run_id AS v FROM engagement_analytics.final_results"),
            "predictions": ids("SELECT run_id AS v FROM engagement_predictions.predictions"),
            "qa": ids("SELECT run_id AS v FROM engagement_qa.human_review"),
            "metrics": ids("SELECT run_id AS v FROM engagement_predictions.model_metrics"),
            "fairness": ids("SELECT run_id AS v FROM engagement_analytics.fairness_metrics"),
            "rows": ids("SELECT count(*) AS v FROM engagement_analytics.final_results"),
        }
        for model in PLANS:
            table = f"engagement_predictions.{model}_scores"
            state[model] = ids(f"SELECT model_version AS v FROM {table}")
    finally:
        engine.close()
    state["served"] = {m: ModelRegistry(store, m).latest() for m in PLANS}
    state["kb"] = sorted(set(store.read_parquet(VECTORS).column("run_id").to_pylist()))
    return state


class Watcher(threading.Thread):
    """Queries the published state over and over while the child runs."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.seen: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                state = published(self.settings)
            except Exception as err:  # every read must answer: record, never stop
                self.errors.append(f"{type(err).__name__}: {err}")
                continue
            if not self.seen or self.seen[-1] != state:
                self.seen.append(state)
            self.done.wait(0.05)  # leave the child most of the CPU


@pytest.fixture(scope="module")
def before(baseline: Any) -> dict[str, Any]:
    if baseline.dirty:
        baseline.restore()
    return published(baseline.settings())


def _copy(baseline: Any, tmp_path: Path) -> Settings:
    lake_dir = tmp_path / "lake"
    shutil.copytree(baseline.pristine, lake_dir, symlinks=True)
    return Settings(lake=str(lake_dir), data_dir=baseline.source)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_leaves_the_published_results_whole_and_queryable(
    point: str, baseline: Any, before: dict[str, Any], tmp_path: Path
) -> None:
    settings = _copy(baseline, tmp_path)
    watcher = Watcher(settings)
    watcher.start()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, settings.lake, str(baseline.source), point],
        capture_output=True,
        text=True,
        timeout=600,
    )
    watcher.done.set()
    watcher.join(timeout=60)
    assert child.returncode == -9, (
        f"{point}: not killed ({child.returncode}): {child.stderr[-2000:]}"
    )
    assert watcher.errors == [], f"{point}: a read failed during the run: {watcher.errors[:3]}"
    after = published(settings)
    killed_run = generations.published(Path(settings.lake))
    if point == "commit:after-pointer":  # published whole: the killed run's results only
        assert after["final"] == after["predictions"] == [killed_run]
        assert after["kb"] == [killed_run] and killed_run not in before["final"]
        assert [s for s in watcher.seen if s not in (before, after)] == [], point
    else:
        assert after == before, point
        assert watcher.seen == [before], f"{point}: readers saw {watcher.seen}"


@pytest.mark.parametrize("point", ["after:inference", "commit:before-pointer"])
def test_a_run_after_a_kill_succeeds_and_collects_the_killed_generation(
    point: str, baseline: Any, before: dict[str, Any], tmp_path: Path
) -> None:
    settings = _copy(baseline, tmp_path)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, settings.lake, str(baseline.source), point],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    folders = {p.name for p in (Path(settings.lake) / generations.GENERATIONS).iterdir()}
    assert len(folders) == 2  # the published one and the killed run's
    run = run_pipeline(settings, sleep=no_wait)  # the dead run's lock is free
    assert run.succeeded, run.result.cause
    after = published(settings)
    assert after["final"] == [run.run_id] and after["metrics"] == sorted(
        {*before["metrics"], run.run_id}
    )
    remaining = {p.name for p in (Path(settings.lake) / generations.GENERATIONS).iterdir()}
    assert remaining == {run.run_id, *before["final"]}  # the killed run's folder went


def test_a_run_failing_on_a_full_disk_changes_nothing(
    baseline: Any, before: dict[str, Any], tmp_path: Path
) -> None:
    settings = _copy(baseline, tmp_path)

    def full_disk(services: Any) -> Any:
        def task(task_input: Any) -> Any:
            raise OSError(errno.ENOSPC, "No space left on device")

        return task

    run = run_pipeline(settings, tasks={"update-knowledge-base": full_disk}, sleep=no_wait)
    assert not run.succeeded
    assert published(settings) == before

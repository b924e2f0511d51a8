"""Run the whole pipeline locally: the use case behind `engage run` and the benchmark.

Composes the pieces and owns nothing else: the packaged ASL definition rendered
with local values, the stages bound to one Services, the run history recorder,
and whatever listener the caller brings (a progress display, a test probe).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage import bootstrap
from engage.adapters.store import generations
from engage.pipeline import LocalRunner
from engage.pipeline.events import BaseListener, MultiListener, RunListener
from engage.pipeline.history import RunHistory
from engage.pipeline.local import definition, result_paths, task_result
from engage.pipeline.lock import RunLock
from engage.pipeline.runner import ExecutionResult
from engage.privacy import inflight
from engage.privacy.restricted import register_appended_tables
from engage.settings import Settings
from engage.stages.ensemble import warm_published
from engage.stages.services import Services
from engage.stages.shards import results_values
from engage.stages.tasks import local_tasks

__all__ = ["PipelineRun", "definition", "ensure_no_run", "run_pipeline", "task_result"]


@dataclass
class PipelineRun:
    """What one execution produced: its id, the runner's result and the history record."""

    run_id: str
    result: ExecutionResult
    record: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        return self.result.succeeded

    def stage_results(self) -> dict[str, Any]:
        """What each succeeded Task state's stage returned, by state name."""
        return {
            r.name: task_result(r.name, r.output)
            for r in self.result.records
            if r.status == "SUCCEEDED" and r.name in result_paths()
        }


def run_pipeline(
    settings: Settings,
    source: Path | None = None,
    listener: RunListener | None = None,
    *,
    tasks: Mapping[str, Callable[[Services], Callable[[Any], Any]]] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> PipelineRun:
    """Execute the pipeline definition once, end to end, on this machine.

    Args:
        settings: where the lake and catalog are.
        source: folder with the incoming customers file (default settings.data_dir).
        listener: observer of state events (progress display).
        tasks: replace some stages (fault-injection tests): task name -> a factory that
            gets the run's own Services and returns the task's callable.
        sleep: replace the Retry wait (tests).
    """
    with RunLock(_lock_folder(settings)):
        history = RunHistory(bootstrap.object_store(settings))
        params = {"source": str((source or settings.data_dir).resolve()), "seed": settings.seed}
        recorder = history.start(params)
        generation = _begin(settings, recorder.run_id)
        with Services.from_settings(settings, generation) as services:
            erased_before = inflight.erased_tokens(services.store)
            event = {"run_id": recorder.run_id, **params}
            runner = LocalRunner(
                definition(**results_values(services.store)),
                {**local_tasks(services), **{n: f(services) for n, f in (tasks or {}).items()}},
                listener=MultiListener(recorder, listener or BaseListener()),
                store=services.store,  # the ScoreShards Map reads its manifest from the lake
                map_workers=settings.shard_concurrency,
                **({"sleep": sleep} if sleep else {}),
            )
            result = runner.run(event, name=recorder.run_id)
            if result.succeeded:
                _publish(settings, services, erased_before)
                _warm_after_publication(settings, services, result)
        record = recorder.finish(result)
    return PipelineRun(recorder.run_id, result, record)


def _warm_after_publication(
    settings: Settings, services: Services, result: ExecutionResult
) -> None:
    """Warm the prediction cache from the tables just published (a local lake only).

    After, never before, publication: a run that fails or is killed earlier leaves
    the cache serving the previous run's values. The figures replace the ensemble
    step's `deferred` note in the run's output, where the cost estimate reads them.
    """
    if services.generation is None:
        return  # an S3 lake publishes per table: the ensemble step warmed it
    cache = bootstrap.cache(settings)
    try:
        warmed = warm_published(cache, bootstrap.object_store(settings))
    finally:
        cache.close()
    output = result.output if isinstance(result.output, dict) else {}
    if isinstance(output.get("ensemble"), dict):
        output["ensemble"]["cache"] = warmed


def ensure_no_run(settings: Settings) -> None:
    """RunLockedError now if another run holds this lake (a caller checks before it
    prints or generates anything; `run_pipeline` still takes the lock for real)."""
    RunLock(_lock_folder(settings)).acquire().release()


def _lock_folder(settings: Settings) -> Path:
    return settings.data_dir if settings.lake_is_s3 else Path(settings.lake)


def _begin(settings: Settings, run_id: str) -> str | None:
    """Start the run's generation in a local lake (None: an S3 lake publishes per table)."""
    if settings.lake_is_s3:
        return None
    generations.begin(Path(settings.lake).resolve(), run_id)
    return run_id


def _publish(settings: Settings, services: Services, erased_before: frozenset[str]) -> None:
    """Make the run's tables and served versions visible together (see generations)."""
    if services.generation is None:
        return
    # Customers erased while the run wrote its generation leave it before it goes live.
    erased = inflight.erase_within_run(settings, services.store, services.sql, erased_before)
    # Tables appended outside runs (erasure log, QA decisions) since this run copied
    # the catalog: registered again so that publishing does not hide them.
    register_appended_tables(services.store, services.sql)
    services.close()
    root = Path(settings.lake).resolve()
    generations.commit(root, services.generation)
    generations.export_catalog(root, services.generation, settings.resolved_catalog_path())
    if erased:  # the hooks are bound to this lake's adapters by the composition root
        inflight.finish_hooks(bootstrap.privacy_hooks(settings), erased)

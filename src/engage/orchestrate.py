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

from engage.pipeline import LocalRunner
from engage.pipeline.events import BaseListener, MultiListener, RunListener
from engage.pipeline.history import RunHistory
from engage.pipeline.local import definition, result_paths, task_result
from engage.pipeline.runner import ExecutionResult
from engage.settings import Settings
from engage.stages.services import Services
from engage.stages.tasks import local_tasks

__all__ = ["PipelineRun", "definition", "run_pipeline", "task_result"]


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
    tasks: Mapping[str, Callable[[Any], Any]] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> PipelineRun:
    """Execute the pipeline definition once, end to end, on this machine.

    Args:
        settings: where the lake and catalog are.
        source: folder with the incoming customers file (default settings.data_dir).
        listener: observer of state events (progress display).
        tasks: replace some stages' callables (fault-injection tests).
        sleep: replace the Retry wait (tests).
    """
    with Services.from_settings(settings) as services:
        history = RunHistory(services.store)
        params = {"source": str((source or settings.data_dir).resolve()), "seed": settings.seed}
        recorder = history.start(params)
        event = {"run_id": recorder.run_id, **params}
        runner = LocalRunner(
            definition(),
            {**local_tasks(services), **(tasks or {})},
            listener=MultiListener(recorder, listener or BaseListener()),
            **({"sleep": sleep} if sleep else {}),
        )
        result = runner.run(event, name=recorder.run_id)
        record = recorder.finish(result)
    return PipelineRun(recorder.run_id, result, record)

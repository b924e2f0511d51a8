"""Live progress of a pipeline run: one line per state, updated from the runner's events.

The display is a RunListener, so it shows exactly what the runner does (retries
included) and cannot drift from the run history, which listens to the same events.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from engage.pipeline.asl import ITEM, iter_states
from engage.pipeline.errors import StatesError
from engage.pipeline.events import BaseListener, StateRecord
from engage.pipeline.local import definition, task_result

_HIDDEN_TYPES = {"Succeed", "Fail", "Pass"}


def brief(result: Any) -> str:
    """One line about what a stage did, from the numbers it returned."""
    if not isinstance(result, Mapping):
        return ""
    r = result
    if "training_records" in r and "raw_records" in r:
        return (
            f"{r['raw_records']:,} rows -> train {r['training_records']:,} "
            f"/ test {r['test_records']:,}"
        )
    if "training_status" in r:
        if r["training_status"] != "success":
            return f"{r['training_status']}: {r.get('reason', '')}"
        figures = ", ".join(f"{k} {v:.4g}" for k, v in r.get("metrics", {}).items())
        corrected = r.get("corrected_labels")
        note = f"; {corrected:,} labels corrected by QA review" if corrected else ""
        return f"{r['model']} {r['model_version']}: {figures}{note}"
    if "validation_status" in r:
        drift = r.get("drift", {})
        shifted = f"; drift warn: {', '.join(drift['warn'][:3])}" if drift.get("warn") else ""
        status = drift.get("status", "n/a").replace("no_reference", "first run")
        return (
            f"{r['validation_status']}: {r['counts']['raw_rows']:,} rows checked, "
            f"drift {status}{shifted}"
        )
    if "uplift_status" in r:
        graded = r.get("grading") or {}
        grade = f"; vs truth: r {graded['correlation']:.2f}" if graded else ""
        return (
            f"premium effect {r['average_effect']:+.3f} (naive gap {r['naive_difference']:+.3f}), "
            f"{r['out_of_overlap_share']:.1%} outside overlap{grade}"
        )
    analytics = _analytics_brief(r)
    if analytics:
        return analytics
    if "inference_status" in r:
        served = sum(1 for m in r["models"].values() if m["model_version"])
        kept = [n for n, m in r["models"].items() if m["candidate_version"] and not m["promoted"]]
        note = f"; not promoted: {', '.join(kept)}" if kept else ""
        shards = f" in {r['shards']} shards" if r.get("shards", 1) > 1 else ""
        return f"{r['predictions_generated']:,} customers scored by {served} models{shards}{note}"
    if "shard_status" in r:
        return f"shard {r['shard']}: {r['predictions_generated']:,} customers scored"
    if "ensemble_status" in r:
        return (
            f"{r['predictions']:,} unified predictions; {r['intervention_flags']:,} retention "
            f"interventions, {r['anomaly_flags']:,} for review; promoted {len(r['promoted'])}"
        )
    if "knowledge_base_status" in r:
        return f"{r['chunks']:,} chunks from {r['documents']} documents embedded"
    if "records_for_review" in r:
        return f"{r['records_for_review']:,} rows queued for review"
    if "total_records" in r:
        return f"{r['total_records']:,} rows in {r.get('partition_directories') or 0} partitions"
    if "s3_objects_deleted" in r:
        return f"{r['s3_objects_deleted']} stale staging files removed"
    return ""


def _analytics_brief(r: Mapping[str, Any]) -> str:
    """The analytics branches' one line: what they made and how it grades against truth."""
    graded = r.get("grading") or {}
    if "sentiment_status" in r:
        grade = (
            f"; vs truth r {graded['pearson_r']:.2f}, emotion F1 {graded['emotion_macro_f1']:.2f}"
            if "pearson_r" in graded
            else ""
        )
        feature = (r.get("churn_feature") or {}).get("decision", "n/a")
        return (
            f"{r.get('messages_scored', 0):,} texts scored "
            f"({r.get('messages_without_consent', 0):,} without consent), "
            f"{r.get('support_alerts', 0):,} support alerts{grade}; churn feature {feature}"
        )
    if "segmentation_status" in r:
        grade = f"; vs personas ARI {graded['kmeans_ari']:.2f}" if "kmeans_ari" in graded else ""
        return f"{r.get('k', '?')} segments of {r.get('customers', 0):,} customers{grade}"
    if "network_status" in r:
        return (
            f"{r.get('communities', 0):,} communities (modularity {r.get('modularity', 0):.2f}), "
            f"{r.get('influencers', 0):,} influencers over {r.get('edges', 0):,} edges"
        )
    if "nba_status" in r:
        regret = (
            f"; regret LinTS {graded['lints']:,.0f} vs rule {graded['rule']:,.0f}, "
            f"uniform {graded['uniform']:,.0f}"
            if {"lints", "rule", "uniform"} <= set(graded)
            else ""
        )
        return (
            f"{r.get('customers', 0):,} actions, {r.get('policy_blocked', 0):,} nudges "
            f"blocked by the ethics policy{regret}"
        )
    if "forecast_status" in r:
        grade = (
            f": MASE {graded['mase_panel']:.2f} (seasonal naive "
            f"{graded.get('seasonal_naive_mase_panel', float('nan')):.2f}), 80% interval "
            f"coverage {graded.get('coverage_80', float('nan')):.1%}"
            if "mase_panel" in graded
            else ""
        )
        return f"7-day forecast by {r.get('model', '?')}{grade}"
    return ""


def progress_text(message: str, done: int | None, total: int | None) -> str:
    """`boosting round 120/800 (15%)`; just the message when there is no count."""
    if done is None or total is None:
        return message
    share = f" ({done / total:.0%})" if total else ""
    return f"{message} {done:,}/{total:,}{share}"


class PipelineProgress(BaseListener):
    """A rich progress display; use as a context manager around the run."""

    def __init__(self, console: Console | None = None) -> None:
        self.types = {path: state["Type"] for path, _, state in iter_states(definition())}
        widest = max((len(self._label(p, p.rsplit("/", 1)[-1])) for p in self.types), default=0)
        self.progress = Progress(
            SpinnerColumn(finished_text=" "),
            # state names stay whole; the status (counts, figures) wraps, never "..."
            TextColumn(
                "{task.description}",
                style="bold",
                table_column=Column(no_wrap=True, min_width=widest),
            ),
            TextColumn("{task.fields[status]}", table_column=Column(overflow="fold")),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> PipelineProgress:
        """Rows for every state in definition order, shown as each starts: parallel
        branches start in any order, and rows added at start mixed the tree up."""
        for path in self.types:
            if self._type(path) in _HIDDEN_TYPES or ITEM in path.split("/"):
                continue
            name = path.rsplit("/", 1)[-1]
            self._tasks[path] = self.progress.add_task(
                self._label(path, name), total=1, status="", visible=False, start=False
            )
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _type(self, path: str) -> str | None:
        """A state's Type; a Map item's runtime path `Map/7/State` is `Map/*/State` here."""
        parts = path.split("/")
        for i in range(1, len(parts) - 1, 2):
            if self.types.get("/".join(parts[:i])) == "Map":
                parts[i] = ITEM
        return self.types.get("/".join(parts))

    def _label(self, path: str, name: str) -> str:
        depth = path.count("/") // 2
        marker = {"Parallel": "⇉ ", "Map": "⧉ "}.get(self._type(path) or "", "")
        return f"{'    ' * depth}{marker}{name}"

    def on_state_start(self, path: str, name: str, input: Any) -> None:
        if self._type(path) in _HIDDEN_TYPES:
            return
        with self._lock:
            task = self._tasks.get(path)
            if task is None:  # a Map item's state: its own row as it starts
                task = self.progress.add_task(self._label(path, name), total=1, status="running")
                self._tasks[path] = task
                return
            self.progress.reset(task, total=1, status="running", visible=True)

    def on_state_retry(
        self, path: str, name: str, attempt: int, error: StatesError, delay: float
    ) -> None:
        self._set(path, f"[yellow]attempt {attempt} failed ({error.error}); retry in {delay:g}s")

    def on_state_progress(
        self, path: str, name: str, message: str, done: int | None, total: int | None
    ) -> None:
        """What a running stage reported (boosting rounds, models scored), beside its name."""
        self._set(path, f"[cyan]{progress_text(message, done, total)}")

    def on_state_end(self, path: str, name: str, output: Any, record: StateRecord) -> None:
        note = brief(task_result(name, output)) if self._type(path) == "Task" else ""
        self._set(path, f"[green]✓[/] {note}", done=True)

    def on_state_fail(self, path: str, name: str, error: StatesError, record: StateRecord) -> None:
        self._set(path, f"[red]✗ {error.error}", done=True)

    def _set(self, path: str, status: str, done: bool = False) -> None:
        with self._lock:
            task = self._tasks.get(path)
            if task is None:
                return
            self.progress.update(task, status=status, completed=1 if done else 0)
            if done:
                self.progress.stop_task(task)


class StepProgress:
    """Progress through a known list of named steps (e.g. the report's pages).

    On a terminal: one live bar naming the current step. Elsewhere (CI, pipes,
    tests): one plain line per step, so logs show where time went and nothing
    redraws. `step(name)` is the callback the library calls as each step starts;
    `detail(text)` adds what happens inside a step (a chart, a batch).
    """

    def __init__(self, label: str, steps: tuple[str, ...] | list[str], console: Console) -> None:
        self.label, self.steps, self.console = label, list(steps), console
        self.live = console.is_terminal
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._current = ""

    def __enter__(self) -> StepProgress:
        if self.live:
            from rich.progress import BarColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=len(self.steps))
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._bar is not None and self._task is not None:
            if exc_type is None:
                self._bar.update(self._task, completed=len(self.steps))
            self._bar.stop()

    def step(self, name: str) -> None:
        """Step `name` starts."""
        self._current = name
        index = self.steps.index(name) if name in self.steps else 0
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=index, description=f"{self.label}: {name}")
        else:
            self.console.print(f"{self.label}: {name} ({index + 1}/{len(self.steps)})")

    def detail(self, text: str) -> None:
        """Something inside the current step (shown after the step's name)."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=f"{self.label}: {self._current}: {text}")
        else:
            self.console.print(f"{self.label}: {self._current}: {text}")

"""What every model plan provides, and the lake data plans read.

A plan is the recipe the training and inference stages follow for one model:
which lake data it needs, how it is fitted and measured, how its artefacts are
rebuilt from the registry, and how every customer is scored. The stages stay
generic; adding a model means adding a plan.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from engage import lake
from engage.contract import TRUTH_TABLES
from engage.models.honest import mark_test
from engage.pipeline.progress import quiet
from engage.ports import ObjectStore, ProgressReporter
from engage.settings import Settings

TRUTH_TABLE_NAMES = tuple(t.name for t in TRUTH_TABLES)


@dataclass
class LakeData:
    """Lazily read lake datasets, each read and derived value computed once.

    One instance serves every stage of a run in a process (`Services.lake_data`), so the
    five training branches of a local run share one read of the splits, one pandas
    conversion and one proxy report. Thread-safe: a value is computed by the first
    thread that asks for it while the others wait for that result.
    """

    store: ObjectStore
    source: Path | None = None  # the incoming files; ground truth is read from here for grading
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _pending: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def table(self, prefix: str) -> pa.Table:
        return self.memo("table:" + prefix, lambda: self.store.read_parquet(prefix))

    def frame(self, prefix: str) -> pd.DataFrame:
        """The dataset as pandas; the test split comes tagged (`engage.models.honest`), so a
        plan that hands it to a fit or another choice fails instead of grading itself."""

        def make() -> pd.DataFrame:
            frame = self.table(prefix).to_pandas()
            return mark_test(frame) if prefix == lake.PROCESSED_TEST else frame

        return self.memo("frame:" + prefix, make)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()` computed once per key and shared by every caller."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            value = make()
            with self._lock:
                self._cache[key] = value
            return value

    def has(self, prefix: str) -> bool:
        return bool(self.store.list(prefix))

    def truth(self) -> pd.DataFrame | None:
        """The generator's ground truth, if the source folder has it (grading only)."""
        gt = self.truth_table("ground_truth")
        return None if gt is None else self.memo("truth", lambda: gt.set_index("customer_id"))

    def truth_table(self, name: str) -> pd.DataFrame | None:
        """A generator truth table (`ground_truth`, `truth_tastes`, `truth_items`) from the
        source folder, or None; for grading only, never a training input."""
        if name not in TRUTH_TABLE_NAMES:
            raise KeyError(f"{name!r} is not a truth table; known: {', '.join(TRUTH_TABLE_NAMES)}")
        path = self.source / f"{name}.parquet" if self.source else None
        if path is None or not path.is_file():
            return None
        return self.memo("truth_table:" + name, lambda: pq.read_table(path).to_pandas())

    def fingerprint(self, *prefixes: str) -> str:
        """SHA-256 over the listed datasets' Parquet bytes: which data trained a version.

        Computed once per set of prefixes (three models train on the same splits)."""

        def digest() -> str:
            sha = hashlib.sha256()
            for prefix in prefixes:
                for key in sorted(self.store.list(prefix)):
                    sha.update(key.encode())
                    sha.update(self.store.get_bytes(key))
            return sha.hexdigest()

        return self.memo("fingerprint:" + "|".join(prefixes), digest)


@dataclass(frozen=True)
class FitContext:
    """What a fit needs besides the data: threads, seed, the run and its settings."""

    threads: int
    seed: int
    run_id: str
    settings: Settings
    progress: ProgressReporter = quiet  # how far the fit is (boosting rounds, phases)

    def on_round(self, done: int, total: int) -> None:
        """The models' `on_round` callback, reported as this fit's progress."""
        self.progress("boosting round", done, total)


@dataclass
class Fitted:
    """A fitted model with what the registry and the run summary keep about it."""

    model: Any
    artefacts: dict[str, bytes]
    metrics: dict[str, dict[str, float]]  # split -> metric -> value (flat floats only)
    metadata: dict[str, Any]  # algorithm, params, features, target, reports, grading ...
    summary: dict[str, Any] = field(default_factory=dict)  # headline figures for the run


@dataclass
class Scored:
    """One model's batch output: a per-customer table and optional extra reports."""

    table: pa.Table
    reports: dict[str, Any] = field(default_factory=dict)
    extra_tables: dict[str, pa.Table] = field(default_factory=dict)  # catalog name -> rows


class ModelPlan(Protocol):
    """The recipe for one model; see the module docstring."""

    name: str
    primary_metric: str | None  # None: unsupervised, no held-out metric to compare
    higher_is_better: bool
    relative_tolerance: bool  # the promotion tolerance is a fraction of the served value
    inputs: tuple[str, ...]  # lake prefixes the model trains on (fingerprinted)
    schema: pa.Schema  # the columns `score` returns

    def available(self, data: LakeData) -> str | None:
        """None when the lake has what the model needs, else why it is skipped."""

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted: ...

    def load(self, artefact: Callable[[str], bytes]) -> Any: ...

    def score(self, model: Any, data: LakeData, threads: int) -> Scored: ...


def model_threads(configured: int) -> int:
    """Threads one model may use: the setting, or the cores shared by five parallel fits."""
    if configured > 0:
        return configured
    return max(1, (os.cpu_count() or 1) // 4)


def flat_floats(values: Mapping[str, Any]) -> dict[str, float]:
    """The scalar numeric entries of a report: what `model_metrics` rows can hold."""
    return {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def customers_with_truth(frame: pd.DataFrame, truth: pd.DataFrame | None) -> pd.DataFrame | None:
    """Ground-truth rows aligned to `frame`'s customers, or None without truth."""
    if truth is None:
        return None
    aligned = truth.reindex(frame["customer_id"].astype(str).to_numpy())
    return None if aligned.isna().all(axis=None) else aligned


TEST = lake.PROCESSED_TEST
TRAINING = lake.PROCESSED_TRAINING
INFERENCE = lake.PROCESSED_INFERENCE

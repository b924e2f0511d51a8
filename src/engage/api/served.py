"""The models a server answers with: one immutable snapshot, swapped whole on promotion.

A `ServedModels` is built completely (every model loaded, every scorer packed)
before `ModelHolder.swap` publishes it with one attribute assignment, so a
request that already holds the old snapshot finishes on it and the next request
sees only the new one: no restart, no half-loaded state, no failed request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engage.api import records
from engage.api.errors import ApiError
from engage.api.lookup import BatchTables
from engage.api.scoring import (
    AnomalyScorer,
    ChurnScorer,
    EngagementScorer,
    LtvScorer,
    RecommendScorer,
)
from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.periodic import PeriodicWorker
from engage.ports import ObjectStore
from engage.serving import load_version

SCORERS: dict[str, Callable[[Any], Any]] = {
    "engagement": EngagementScorer,
    "churn": ChurnScorer,
    "ltv": LtvScorer,
    "recommendation": RecommendScorer,
    "anomaly": AnomalyScorer,
}


def served_versions(store: ObjectStore) -> dict[str, str | None]:
    """Each model's promoted version (None before its first promotion): 5 small reads."""
    return {name: ModelRegistry(store, name).latest() for name in records.MODEL_NAMES}


@dataclass(frozen=True)
class ServedModels:
    """Loaded models and their fast scorers, for one set of promoted versions."""

    versions: dict[str, str | None]
    scorers: dict[str, Any]
    high_ltv: float | None  # the batch's 80th percentile of LTV p50 (next best action)
    loaded_at: str = field(default_factory=lambda: records.iso(datetime.now(UTC)))

    @property
    def tag(self) -> str:
        return records.versions_tag(self.versions)

    def required(self, name: str) -> list[str]:
        """Input columns a model needs from the request."""
        scorer = self.scorers[name]
        if name == "anomaly":
            return scorer.required()
        if name == "recommendation":
            return []
        encoder = scorer.encoder
        return list(encoder.numeric) + [c for c, _ in encoder.onehot]

    def predict(self, customer_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Live inference with every model whose inputs are present; a record plus `skipped`."""
        out: dict[str, Any] = dict.fromkeys(records.PREDICTION_FIELDS)
        explanations: dict[str, Any] = {"engagement": None, "churn": None}
        skipped: dict[str, str] = {}
        versions = dict(self.versions)
        memo: dict[Any, Any] = {}  # shared per-request work (the SHAP models' DMatrix)
        for name in records.MODEL_NAMES:
            if name not in self.scorers:
                skipped[name] = "no version of this model has been promoted"
                versions[name] = None
                continue
            missing = [c for c in self.required(name) if c not in values]
            if missing:
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                skipped[name] = f"missing features: {', '.join(missing[:5])}{more}"
                versions[name] = None
                continue
            self._score(name, customer_id, values, out, explanations, memo)
        if out["ltv_p50"] is not None:
            out["ltv_usd"] = out["ltv_p50"]
            if out["churn_probability"] is not None:
                out["value_at_risk_usd"] = out["churn_probability"] * out["ltv_p50"]
        if out["engagement_score"] is not None:
            out["engagement_category"] = records.engagement_category(out["engagement_score"])
        out["next_best_action"] = records.next_best_action(out, self.high_ltv)
        now = records.iso(datetime.now(UTC))
        rec = records.record(out, explanations, versions, now, "live")
        rec["model_version"] = self.tag  # cache invalidation follows the served set
        rec["skipped"] = skipped
        return rec

    def _score(
        self,
        name: str,
        customer_id: str,
        values: Mapping[str, Any],
        out: dict[str, Any],
        explanations: dict[str, Any],
        memo: dict[Any, Any],
    ) -> None:
        scorer = self.scorers[name]
        if name == "recommendation":
            result = scorer.score(customer_id)
        elif name in ("engagement", "churn"):
            result = scorer.score(values, memo)
        else:
            result = scorer.score(values)
        if "top" in result:
            explanations[name] = result.pop("top")
        out.update(result)


def load_served_models(store: ObjectStore, tables: BatchTables | None = None) -> ServedModels:
    """Load every promoted model and build its scorer (once per promotion, never per request).

    `tables` gives what the batch computed that live answers must agree with: the
    LTV cut of the next best action, and the recommender's lists for known customers.
    """
    versions = served_versions(store)
    scorers = {}
    for name, version in versions.items():
        if version is None:
            continue
        model = load_version(store, name, version)
        if name == "recommendation":
            batch = tables.recommendations(version) if tables else None
            scorers[name] = RecommendScorer(model, batch)
        else:
            scorers[name] = SCORERS[name](model)
    if not scorers:
        raise ModelNotFoundError("no model has been promoted yet: run `engage run` first")
    return ServedModels(versions, scorers, tables.high_ltv() if tables else None)


class NoRunYetError(ApiError):
    """Nothing to serve yet: the server started before any run promoted models."""

    def __init__(self, why: str) -> None:
        super().__init__(503, f"no run yet: {why}", {"Retry-After": "30"})


class ModelHolder:
    """Holds the current snapshot; a background thread swaps in newly promoted versions."""

    def __init__(
        self,
        store: ObjectStore,
        loader: Callable[[], ServedModels],
        interval_s: float = 5.0,
    ) -> None:
        self.store, self.loader, self.interval_s = store, loader, interval_s
        self.after_swap: Callable[[], None] = lambda: None  # e.g. settle the heap
        self.reloads = 0
        self.last_error: str | None = None
        self._current: ServedModels | None = None
        try:
            self._current = loader()
        except ModelNotFoundError as err:  # an empty lake: serve 503 until a run publishes
            self.last_error = str(err)
        self._lock = threading.Lock()  # one reload at a time
        self._worker = PeriodicWorker("model-reload", self.check, interval_s)

    @property
    def ready(self) -> bool:
        """False until a run has promoted models (the server started on an empty lake)."""
        return self._current is not None

    @property
    def current(self) -> ServedModels:
        """The snapshot served now; a 503 "no run yet" (Retry-After) before the first run."""
        if self._current is None:
            raise NoRunYetError(self.last_error or "no run yet")
        return self._current

    def check(self) -> bool:
        """Reload if any model's promoted version changed; True when a new snapshot went live."""
        with self._lock:
            try:
                if self._current and served_versions(self.store) == self._current.versions:
                    return False
                fresh = self.loader()
            except Exception as err:  # keep serving the old snapshot; say why on /health
                self.last_error = f"{type(err).__name__}: {err}"
                return False
            self._current = fresh  # the atomic swap: in-flight requests keep the old object
            self.after_swap()
            self.reloads += 1
            self.last_error = None
            return True

    def start(self) -> None:
        if self.interval_s > 0:
            self._worker.start()

    def stop(self) -> None:
        self._worker.stop()

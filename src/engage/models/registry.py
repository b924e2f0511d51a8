"""A versioned model registry in the object store (seed §2.4.6, kept simple for now).

Layout under ``engagement-models/<model>/``:

    v1/ , v2/ ...        immutable versions: the artefacts plus metadata.json
    runs/<run_id>.json   which version a pipeline run trained
    latest.json          the promoted version that inference and the API serve

A version is written to a staging prefix and published whole, so a crash never
leaves a half-saved model; `promote` happens only after the run's checks pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engage import lake
from engage.ports import ObjectStore

_VERSION = re.compile(r"v(\d+)")


class ModelNotFoundError(LookupError):
    """The registry has no such model, version or run."""


@dataclass(frozen=True)
class PromotionRule:
    """A new version may replace the served one only if its primary metric is not worse
    than the served version's by more than `tolerance`: in the metric's own units, or,
    with `relative`, as a fraction of the served value (for metrics in currency, whose
    scale depends on the data)."""

    metric: str
    higher_is_better: bool = True
    tolerance: float = 0.01
    relative: bool = False

    def decide(self, candidate: float, current: float | None) -> tuple[bool, str]:
        """(promote?, why) for a candidate metric against the served one (None: nothing served)."""
        if current is None:
            return True, f"first version: {self.metric} {candidate:.4f}"
        worse_by = current - candidate if self.higher_is_better else candidate - current
        allowed = self.tolerance * abs(current) if self.relative else self.tolerance
        verdict = "within" if worse_by <= allowed else "beyond"
        unit = f" ({self.tolerance:.0%} of served)" if self.relative else ""
        reason = (
            f"{self.metric} {candidate:.4f} vs served {current:.4f}: "
            f"worse by {max(worse_by, 0.0):.4f}, {verdict} tolerance {allowed:g}{unit}"
        )
        return worse_by <= allowed, reason


class ModelRegistry:
    """Versions of one named model in a lake."""

    def __init__(self, store: ObjectStore, model: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", model):
            raise ValueError(f"model name must be lower_snake_case, got {model!r}")
        self.store, self.model = store, model
        self.root = f"{lake.MODELS}{model}/"

    def versions(self) -> list[str]:
        """Saved versions, oldest first."""
        found = {key[len(self.root) :].split("/", 1)[0] for key in self.store.list(self.root)}
        return sorted((v for v in found if _VERSION.fullmatch(v)), key=lambda v: int(v[1:]))

    def save(
        self,
        artefacts: Mapping[str, bytes],
        metadata: Mapping[str, Any],
        run_id: str,
        derived: Callable[[Mapping[str, Any]], Mapping[str, bytes]] | None = None,
    ) -> str:
        """Store a new version (artefacts + metadata.json) atomically; return its name.

        `derived` makes further artefacts from the final metadata (version, date
        included), e.g. the model card, so that they never disagree with it.
        """
        existing = self.versions()
        version = f"v{int(existing[-1][1:]) + 1 if existing else 1}"
        meta = {
            **metadata,
            "model_name": self.model,
            "model_version": version,
            "run_id": run_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "artefacts": sorted(artefacts),
        }
        artefacts = {**artefacts, **(derived(meta) if derived else {})}
        with lake.staged(self.store, f"models/{self.model}", f"{self.root}{version}/") as staging:
            for name, data in artefacts.items():
                self.store.put_bytes(staging + name, data)
            self.store.put_bytes(staging + "metadata.json", _json(meta))
        self.store.put_bytes(f"{self.root}runs/{run_id}.json", _json({"version": version}))
        return version

    def rewrite(self, version: str, artefacts: Mapping[str, bytes]) -> None:
        """Replace some artefacts of a saved version, whole-version atomically.

        Versions are immutable except for this: erasing a customer (GDPR) from a model
        that stores per-customer state. Files not named in `artefacts` are kept as they are.
        """
        prefix = f"{self.root}{version}/"
        keys = self.store.list(prefix)
        if not keys:
            raise ModelNotFoundError(f"no {self.model} version {version}")
        with lake.staged(self.store, f"models/{self.model}", prefix) as staging:
            for key in keys:
                name = key[len(prefix) :]
                data = artefacts.get(name)
                self.store.put_bytes(
                    staging + name, self.store.get_bytes(key) if data is None else data
                )

    def version_for_run(self, run_id: str) -> str:
        """The version trained by a pipeline run."""
        key = f"{self.root}runs/{run_id}.json"
        if not self.store.exists(key):
            raise ModelNotFoundError(f"run {run_id} trained no {self.model} model ({key})")
        return json.loads(self.store.get_bytes(key))["version"]

    def load(self, version: str, name: str) -> bytes:
        """One artefact of a version."""
        key = f"{self.root}{version}/{name}"
        if not self.store.exists(key):
            raise ModelNotFoundError(f"no {name} in {self.model} {version} ({key})")
        return self.store.get_bytes(key)

    def metadata(self, version: str) -> dict[str, Any]:
        return json.loads(self.load(version, "metadata.json"))

    def promote(self, version: str, run_id: str) -> None:
        """Make `version` the one that is served."""
        if version not in self.versions():
            raise ModelNotFoundError(f"cannot promote unknown {self.model} version {version}")
        record = {"version": version, "run_id": run_id, "promoted_at": _now()}
        self.store.put_bytes(f"{self.root}latest.json", _json(record))

    def judge(self, version: str, rule: PromotionRule) -> tuple[bool, str]:
        """Whether `rule` lets `version` replace the served version, and why.

        Compares VALIDATION figures (``metrics -> validation -> <metric>``, carved from
        each version's training data), never test figures: the test split is for the
        report only. A served version saved before validation figures were kept has
        nothing comparable, so the candidate is judged as a first version (and says so).
        """
        served = self.latest()
        candidate = _validation_figure(self.metadata(version), rule.metric)
        if candidate is None:
            return False, f"no validation {rule.metric} recorded: not promoted"
        current = None if served is None else _validation_figure(self.metadata(served), rule.metric)
        promote, reason = rule.decide(candidate, current)
        if served is not None and current is None:
            reason += f" (served {served} has no validation figure to compare)"
        return promote, f"validation {reason}"

    def latest(self) -> str | None:
        """The promoted version, or None before the first successful run."""
        key = f"{self.root}latest.json"
        return json.loads(self.store.get_bytes(key))["version"] if self.store.exists(key) else None


def _validation_figure(metadata: Mapping[str, Any], metric: str) -> float | None:
    value = (metadata.get("metrics") or {}).get("validation", {}).get(metric)
    return None if value is None else float(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, default=str).encode("utf-8")

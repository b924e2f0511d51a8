"""What the XGBoost models share: safe persistence (UBJ + JSON, never pickle), importance,
and `XgbWrapper`, the base that stores parameters and round-trips a model through bytes.

The metadata names the artefact format, the feature columns and the fitted
attributes; loading checks the format and that this code still builds the same
feature names, so a model never silently scores a shifted design matrix.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import xgboost as xgb

from engage.models.features import FeatureSpec

MODEL_KEY = "model.ubj"
META_KEY = "model_meta.json"


def gain_importance(booster: xgb.Booster, feature_names: list[str]) -> dict[str, float]:
    """Total gain per feature, normalised to sum to 1 (zero for unused features)."""
    gain = booster.get_score(importance_type="total_gain")
    total = sum(gain.values()) or 1.0
    return {name: gain.get(name, 0.0) / total for name in feature_names}


def pack(
    booster: xgb.Booster, spec: FeatureSpec, fmt: str, fitted: Mapping[str, Any]
) -> dict[str, bytes]:
    """Artefacts for a fitted model: the booster in UBJ and `fitted` plus the features."""
    meta = {
        "format": fmt,
        **fitted,
        **spec.to_meta(),
        "feature_names": spec.feature_names(),
    }
    return {MODEL_KEY: bytes(booster.save_raw("ubj")), META_KEY: json.dumps(meta).encode()}


def unpack(
    artefacts: Mapping[str, bytes], fmt: str
) -> tuple[xgb.Booster, FeatureSpec, dict[str, Any]]:
    """(booster, feature spec, metadata) after checking the format and the feature names."""
    meta = json.loads(artefacts[META_KEY])
    if meta.get("format") != fmt:
        raise ValueError(f"unknown artefact format {meta.get('format')!r}, expected {fmt!r}")
    spec = FeatureSpec.from_meta(meta)
    if spec.feature_names() != meta["feature_names"]:
        raise ValueError("artefact feature names do not match this code's features")
    return xgb.Booster(model_file=bytearray(artefacts[MODEL_KEY])), spec, meta


class XgbWrapper:
    """The plumbing the three XGBoost wrappers share: parameter storage and byte round-trips.

    A subclass writes its `__init__` with explicit keyword parameters (the
    scikit-learn contract: `__init__` only stores them) and calls
    `self._store(locals())`; it names its artefact `FORMAT` and the fitted attributes
    it saves (`FITTED`, without the trailing underscore) and implements `_params()`,
    the booster's parameter dict. The registry records `to_params()`: the booster's
    parameters plus every constructor parameter they do not already carry, so
    `from_bytes` can rebuild the same object from the artefacts alone.
    """

    FORMAT: ClassVar[str]
    FITTED: ClassVar[tuple[str, ...]] = ()
    # Constructor names that the booster's parameter dict spells differently.
    _BOOSTER_NAMES: ClassVar[dict[str, str]] = {"learning_rate": "eta", "random_state": "seed"}
    _NOT_RECORDED: ClassVar[tuple[str, ...]] = ("n_jobs", "spec")  # machine, and the features

    spec: FeatureSpec
    booster_: xgb.Booster
    best_iteration_: int

    def _store(self, params: Mapping[str, Any]) -> None:
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)
        self.spec = self.spec or FeatureSpec()

    def _params(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _recorded(cls) -> list[str]:
        """Constructor parameters that the registry records (all but machine and features)."""
        names = inspect.signature(cls.__init__).parameters
        return [n for n in names if n != "self" and n not in cls._NOT_RECORDED]

    def to_params(self) -> dict[str, Any]:
        """Hyper-parameters as recorded in the registry (what a rerun needs)."""
        booster = self._params()
        extra = {
            name: getattr(self, name)
            for name in self._recorded()
            if self._BOOSTER_NAMES.get(name, name) not in booster
        }
        return {**booster, **extra}

    def feature_importance(self) -> dict[str, float]:
        """Total gain per feature, normalised to sum to 1 (zero for unused features)."""
        return gain_importance(self.booster_, self.spec.feature_names())

    def _extra_meta(self) -> dict[str, Any]:
        """Fixed facts a subclass checks on load (e.g. the LTV quantiles)."""
        return {}

    def _check_meta(self, meta: Mapping[str, Any]) -> None:
        """Refuse artefacts this code would misread; the default trusts `unpack`."""

    # Safe persistence: XGBoost's own UBJ format plus JSON metadata, never pickle.
    def to_bytes(self) -> dict[str, bytes]:
        fitted = {
            "best_iteration": self.best_iteration_,
            **self._extra_meta(),
            **{name: getattr(self, f"{name}_") for name in self.FITTED},
            "params": self.to_params(),
        }
        return pack(self.booster_, self.spec, self.FORMAT, fitted)

    @classmethod
    def from_bytes(cls, artefacts: Mapping[str, bytes]) -> Self:
        booster, spec, meta = unpack(artefacts, cls.FORMAT)
        params = meta["params"]
        recorded = {n: params[cls._BOOSTER_NAMES.get(n, n)] for n in cls._recorded()}
        obj = cls(**recorded, spec=spec)  # type: ignore[call-arg]
        obj._check_meta(meta)
        obj.booster_, obj.best_iteration_ = booster, int(meta["best_iteration"])
        for name in cls.FITTED:
            setattr(obj, f"{name}_", meta[name])
        return obj

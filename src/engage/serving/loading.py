"""Which artefacts make each model, and how they become a fitted object again.

A table keyed by registry name (not an if-chain): adding a model is one entry.
Each loader imports its model module when called, so loading the churn model does
not import torch (the recommender) or scikit-learn (the anomaly forest). Nothing
here unpickles: every artefact is XGBoost UBJSON, skops, safetensors or JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.ports import ObjectStore

XGB_ARTEFACTS = ("model.ubj", "model_meta.json")  # engage.models.xgb_artefacts keys


def _engagement(artefacts: Mapping[str, bytes]) -> Any:
    from engage.models.engagement import EngagementModel

    return EngagementModel.from_bytes(artefacts)


def _churn(artefacts: Mapping[str, bytes]) -> Any:
    from engage.models.churn import ChurnModel

    return ChurnModel.from_bytes(artefacts)


def _ltv(artefacts: Mapping[str, bytes]) -> Any:
    from engage.models.ltv import LtvModel

    return LtvModel.from_bytes(artefacts)


def _recommendation(artefacts: Mapping[str, bytes]) -> Any:
    from engage.models.recommend import NcfRecommender

    return NcfRecommender.from_bytes(dict(artefacts))


def _anomaly(artefacts: Mapping[str, bytes]) -> Any:
    from engage.models.anomaly import AnomalyDetector

    return AnomalyDetector.from_bytes(artefacts)


@dataclass(frozen=True)
class Loader:
    """The artefact names one model version is saved as, and the function that reads them."""

    artefacts: tuple[str, ...]
    build: Callable[[Mapping[str, bytes]], Any]


LOADERS: dict[str, Loader] = {
    "engagement": Loader(XGB_ARTEFACTS, _engagement),
    "churn": Loader(XGB_ARTEFACTS, _churn),
    "ltv": Loader(XGB_ARTEFACTS, _ltv),
    "recommendation": Loader(("model.safetensors", "model_meta.json"), _recommendation),
    "anomaly": Loader(("forest.skops", "meta.json"), _anomaly),
}


def load_artefacts(name: str, artefact: Callable[[str], bytes]) -> Any:
    """Rebuild model `name` from `artefact(key) -> bytes` (a registry version, a test dict)."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ModelNotFoundError(f"no model {name!r}; known: {', '.join(LOADERS)}") from None
    return loader.build({key: artefact(key) for key in loader.artefacts})


def load_version(store: ObjectStore, name: str, version: str) -> Any:
    """Rebuild one registry version of a model from its safe artefacts."""
    registry = ModelRegistry(store, name)
    return load_artefacts(name, lambda artefact: registry.load(version, artefact))


def load_served(store: ObjectStore, name: str) -> tuple[str, Any]:
    """(version, model) that is served now; ModelNotFoundError before the first run."""
    version = ModelRegistry(store, name).latest()
    if version is None:
        raise ModelNotFoundError(f"no {name} model has been promoted yet: run `engage run`")
    return version, load_version(store, name, version)

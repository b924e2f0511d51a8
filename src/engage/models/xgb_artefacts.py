"""What the XGBoost models share: safe persistence (UBJ + JSON, never pickle), importance.

The metadata names the artefact format, the feature columns and the fitted
attributes; loading checks the format and that this code still builds the same
feature names, so a model never silently scores a shifted design matrix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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

"""Hyper-parameters promoted by `engage tune`, read back by training (no Optuna here).

`engage tune MODEL` writes `engagement-models/<model>/tuning/tuned_params.json` only
when its cross-validated improvement beat the stated margin; training merges those
values over params.toml and records which study they came from, so the model card
shows it. Without the file, training uses params.toml alone.
"""

from __future__ import annotations

import json
from typing import Any

from engage import lake
from engage.models.params import params_for
from engage.ports import ObjectStore


def tuning_prefix(model: str) -> str:
    """Where a model's studies and its promoted parameters live in the lake."""
    return f"{lake.MODELS}{model}/tuning/"


def tuned_key(model: str) -> str:
    return tuning_prefix(model) + "tuned_params.json"


def read_tuned(store: ObjectStore, model: str) -> dict[str, Any] | None:
    """The promoted record ({params, study, ...}) of `model`, or None."""
    key = tuned_key(model)
    if not store.exists(key):
        return None
    return json.loads(store.get_bytes(key))


def params_with_tuning(store: ObjectStore, model: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """params.toml values with promoted ones over them, and the card's tuning facts."""
    params = params_for(model)
    record = read_tuned(store, model)
    if record is None:
        return params, {}
    params = {**params, **{k: v for k, v in record["params"].items() if k in params}}
    facts = {
        "tuning_study": record["study"],
        "tuning_metric": record["metric"],
        "tuning_cv_score": record["best_score"],
        "tuning_baseline_cv_score": record["baseline_score"],
        "tuning_trials": record["trials"],
        "tuning_promoted_at": record["promoted_at"],
    }
    return params, facts

"""Model cards: every section, the metadata's own numbers (and no others), graceful gaps."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engage.adapters.store import LocalObjectStore
from engage.models.cards import NOT_AVAILABLE, format_value, render_card
from engage.models.registry import ModelRegistry

SECTIONS = (
    "Model details",
    "Intended use",
    "Training data",
    "Metrics",
    "Grading against ground truth",
    "Subgroup performance",
    "Fairness",
    "Explainability",
    "Limitations",
    "Provenance",
)

FULL: dict[str, Any] = {
    "model_name": "engagement",
    "model_version": "v3",
    "run_id": "run_20261031T120000Z_abc123",
    "created_at": "2026-10-31T12:00:07+00:00",
    "algorithm": "xgboost 3.0.2 reg:squarederror",
    "params": {"max_depth": 5, "eta": 0.1, "objective": "reg:squarederror"},
    "target": "engagement_score",
    "features": ["avg_daily_logins", "avg_session_duration_min", "account_type"],
    "training_rows": 80_000,
    "test_rows": 20_000,
    "metrics": {
        "train": {"r2": 0.91713, "mae": 0.04519, "rmse": 0.05822},
        "validation": {"r2": 0.90118},
        "test": {"r2": 0.89642, "mae": 0.04788, "rmse": 0.06137, "rows": 20_000},
    },
    "grading": {"metric": "r2", "value": 0.89642, "ceiling": 0.90311, "ratio": 0.99259},
    "subgroup_metrics": {
        "gender": {
            "F": {"rows": 9_611, "r2": 0.89533, "mae": 0.04801},
            "M": {"rows": 9_587, "r2": 0.89761, "mae": 0.04777},
            "Other": {"rows": 12},
        },
        "age_band": {"18-24": {"rows": 3_112, "r2": 0.88021, "mae": 0.05013}},
    },
    "top_features": ["avg_daily_logins", "avg_session_duration_min"],
    "global_importance": {"avg_daily_logins": 0.08312, "avg_session_duration_min": 0.04471},
    "data_fingerprint": "sha256:9f2c1e",
    "code_version": "engage 0.1.0 (3d82d83)",
    "intended_use": "Rank customers for engagement campaigns; not for credit decisions.",
    "limitations": ["Trained on synthetic customers.", "Scores drift if the app changes."],
    "training_seconds": 12.75,
    "artefacts": ["model.ubj", "model_meta.json"],
}


def test_every_section_in_order() -> None:
    card = render_card(FULL)
    assert card.startswith("# Model card: engagement v3\n")
    positions = [card.index(f"## {title}\n") for title in SECTIONS]
    assert positions == sorted(positions)


def test_card_shows_the_metric_values_passed_in() -> None:
    card = render_card(FULL)
    for split, metrics in FULL["metrics"].items():
        assert f"### {split.capitalize()}" in card
        for name, value in metrics.items():
            assert f"| {name} | {format_value(value)} |" in card
    assert "| r2 | 0.8964 |" in card and "| rows | 20,000 |" in card
    assert "Test r2 0.8964 reaches 0.9926 of the ceiling 0.9031" in card
    assert "| F | 9,611 | 0.8953 | 0.04801 |" in card
    assert "| Other | 12 | — | — |" in card and "too few rows" in card
    assert "| avg_daily_logins | 0.08312 |" in card
    assert "| Training rows | 80,000 |" in card and "| Training time (s) | 12.75 |" in card
    for text in (FULL["intended_use"], *FULL["limitations"], FULL["run_id"], FULL["code_version"]):
        assert text in card
    assert "Fairness: not yet assessed." in card


def test_only_numbers_from_the_metadata_appear() -> None:
    card = render_card(FULL)
    for text in sorted(_strings(FULL), key=len, reverse=True):
        card = card.replace(text, " ")
    allowed = {format_value(n) for n in _numbers(FULL)}
    found = re.findall(r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]\d+)?", card)
    assert found, "the card should show numbers"
    assert set(found) <= allowed, set(found) - allowed


def test_minimal_metadata_renders_not_available() -> None:
    card = render_card({"model_name": "churn", "model_version": "v1"})
    for title in SECTIONS:
        assert f"## {title}\n" in card
    assert card.count(NOT_AVAILABLE) + card.count(NOT_AVAILABLE.capitalize()) >= 10
    assert "Fairness: not yet assessed." in card
    with pytest.raises(KeyError):
        render_card({"model_name": "churn"})


def test_fairness_table_when_present() -> None:
    meta = copy.deepcopy(FULL)
    meta["fairness"] = {"demographic_parity_gap": 0.0312, "by_gender": {"recall_gap": 0.0207}}
    card = render_card(meta)
    assert "not yet assessed" not in card
    assert "| demographic_parity_gap | 0.0312 |" in card
    assert "| by_gender.recall_gap | 0.0207 |" in card


def test_odd_values_do_not_break_tables() -> None:
    meta = copy.deepcopy(FULL)
    meta["params"] = {"objective": "a|b", "missing": None, "nan_metric": float("nan")}
    meta["metrics"] = {"test": {"auc": 0.91, "calibration": [{"bin": 1}]}}
    card = render_card(meta)
    assert "| objective | a\\|b |" in card and "| missing | not available |" in card
    assert "| nan_metric | n/a |" in card
    assert "| auc | 0.91 |" in card and "Also in metadata.json: `calibration`." in card


def test_other_metadata_keys_are_listed_not_dropped() -> None:
    meta = {**FULL, "threshold": 0.1834, "reports": {"calibration": []}, "training_date": "x"}
    card = render_card(meta)
    assert "| threshold | 0.1834 |" in card and "| training_date | x |" in card
    assert "Also in metadata.json: `reports`." in card


def test_card_from_registry_metadata(tmp_path: Path) -> None:
    registry = ModelRegistry(LocalObjectStore(tmp_path / "lake"), "engagement")
    fields = {k: v for k, v in FULL.items() if k not in ("model_name", "model_version", "run_id")}
    version = registry.save({"model.ubj": b"x"}, fields, "run_card")
    card = render_card(registry.metadata(version))
    assert f"# Model card: engagement {version}" in card
    assert "| Run id | run_card |" in card and "| r2 | 0.8964 |" in card


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)

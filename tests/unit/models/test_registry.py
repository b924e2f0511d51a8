"""Registry: versions are immutable and atomic, pointers are explicit, promotion has a rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.adapters.store.local import LocalObjectStore
from engage.models.registry import ModelNotFoundError, ModelRegistry, PromotionRule


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(LocalObjectStore(tmp_path / "lake"), "engagement")


def _save(registry: ModelRegistry, r2: float, run_id: str, test_r2: float | None = None) -> str:
    metrics = {"validation": {"r2": r2}, "test": {"r2": r2 if test_r2 is None else test_r2}}
    return registry.save({"model.ubj": b"\x00model"}, {"metrics": metrics}, run_id)


def test_versions_count_up_and_round_trip(registry: ModelRegistry) -> None:
    assert _save(registry, 0.9, "run-a") == "v1"
    assert _save(registry, 0.91, "run-b") == "v2"
    assert registry.versions() == ["v1", "v2"]
    assert registry.load("v2", "model.ubj") == b"\x00model"
    assert registry.version_for_run("run-a") == "v1"
    meta = registry.metadata("v2")
    assert meta["run_id"] == "run-b" and meta["model_version"] == "v2"
    assert not registry.store.list("_staging/")


def test_latest_only_moves_on_promote(registry: ModelRegistry) -> None:
    v1 = _save(registry, 0.9, "run-a")
    assert registry.latest() is None
    registry.promote(v1, "run-a")
    _save(registry, 0.95, "run-b")
    assert registry.latest() == "v1"


def test_unknown_things_raise(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFoundError):
        registry.version_for_run("nope")
    with pytest.raises(ModelNotFoundError):
        registry.promote("v9", "run")
    with pytest.raises(ValueError):
        ModelRegistry(registry.store, "../escape")


@pytest.mark.parametrize(
    ("candidate", "served", "promote"),
    [(0.90, None, True), (0.95, 0.95, True), (0.945, 0.95, True), (0.93, 0.95, False)],
)
def test_promotion_rule_higher_is_better(
    candidate: float, served: float | None, promote: bool
) -> None:
    decided, reason = PromotionRule("r2", True, 0.01).decide(candidate, served)
    assert decided is promote
    assert "r2" in reason


def test_promotion_rule_lower_is_better() -> None:
    rule = PromotionRule("rmse", higher_is_better=False, tolerance=0.005)
    assert rule.decide(0.066, 0.060)[0] is False
    assert rule.decide(0.061, 0.060)[0] is True


def test_relative_tolerance_scales_with_the_served_value() -> None:
    rule = PromotionRule("p50_mae", higher_is_better=False, tolerance=0.01, relative=True)
    assert rule.decide(100.9, 100.0)[0]  # 0.9% worse: within 1%
    promote, reason = rule.decide(101.5, 100.0)  # 1.5% worse: beyond
    assert not promote and "beyond" in reason and "1% of served" in reason
    assert rule.decide(1009.0, 1000.0)[0] and not rule.decide(1011.0, 1000.0)[0]


def test_derived_artefacts_see_the_final_metadata(registry: ModelRegistry) -> None:
    def card(meta) -> dict[str, bytes]:
        return {"card.md": f"{meta['model_version']} of run {meta['run_id']}".encode()}

    version = registry.save({"model.json": b"{}"}, {"metrics": {}}, "run-7", card)
    assert registry.load(version, "card.md") == f"{version} of run run-7".encode()


def test_judge_compares_with_served_version(registry: ModelRegistry) -> None:
    registry.promote(_save(registry, 0.95, "run-a"), "run-a")
    worse = _save(registry, 0.80, "run-b")
    better = _save(registry, 0.96, "run-c")
    rule = PromotionRule("r2", tolerance=0.01)
    assert registry.judge(worse, rule)[0] is False
    assert registry.judge(better, rule)[0] is True


def test_judge_reads_validation_never_test(registry: ModelRegistry) -> None:
    registry.promote(_save(registry, 0.95, "run-a"), "run-a")
    flattered = _save(registry, 0.80, "run-b", test_r2=0.99)  # great test, poor validation
    modest = _save(registry, 0.96, "run-c", test_r2=0.50)
    rule = PromotionRule("r2", tolerance=0.01)
    assert registry.judge(flattered, rule)[0] is False
    promote, reason = registry.judge(modest, rule)
    assert promote is True and reason.startswith("validation")


def test_judge_without_validation_figures(registry: ModelRegistry) -> None:
    old = registry.save({"model.ubj": b"x"}, {"metrics": {"test": {"r2": 0.99}}}, "run-a")
    registry.promote(old, "run-a")
    assert registry.judge(old, PromotionRule("r2"))[0] is False  # no validation: never on test
    fresh = _save(registry, 0.5, "run-b")
    promote, reason = registry.judge(fresh, PromotionRule("r2"))
    assert promote is True and "no validation figure" in reason

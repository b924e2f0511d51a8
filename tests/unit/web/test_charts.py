"""Server-drawn SVG charts: data marked on the elements, every label escaped."""

from __future__ import annotations

import re

import pytest

from engage.web import charts


def values(svg: str) -> list[float]:
    return [float(v) for v in re.findall(r'<rect[^>]*data-value="([^"]+)"', svg)]


def test_waterfall_has_one_bar_per_feature_with_its_signed_impact() -> None:
    impacts = [("a", 0.2), ("b", -0.05), ("c", 0.01)]
    svg = charts.waterfall(0.1, impacts, 0.26, "w")
    assert values(svg) == pytest.approx([0.2, -0.05, 0.01])
    assert ">0.260<" in svg  # the model output it ends at


def test_labels_cannot_inject_markup() -> None:
    svg = charts.bars([("<script>alert(1)</script>", 1.0), ("b&c", -2.0)], 'x" onload="y')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'onload="y"' not in svg and "b&amp;c" in svg


def test_gantt_bars_last_as_long_as_the_stages() -> None:
    svg = charts.gantt([("prep", 0.0, 2.0, "SUCCEEDED"), ("train", 2.0, 7.5, "FAILED")], "g")
    assert values(svg) == pytest.approx([2.0, 5.5])


def test_empty_input_draws_nothing() -> None:
    assert charts.bars([], "x") == "" and charts.waterfall(0, [], 0, "x") == ""

"""The README's Python API example runs as written (2,000 customers, a temporary lake)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "<!-- python-api-example -->"


def _example() -> str:
    text = README.read_text()
    assert MARK in text, "the README lost its Python API example"
    block = re.search(r"```python\n(.*?)```", text[text.index(MARK) :], re.S)
    assert block is not None
    return block.group(1)


def test_the_readme_python_api_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict = {}
    exec(compile(_example(), str(README), "exec"), namespace)
    out = capsys.readouterr().out
    counts = namespace["counts"]
    assert list(counts.columns) == ["engagement_category", "customers"]
    assert int(counts["customers"].sum()) == 2000  # every customer scored once
    assert set(counts["engagement_category"]) <= {"low", "medium", "high"}
    customer = namespace["customer"]
    assert customer["predictions"]["customer_id"] == "CUST_0000042"
    assert 0.0 <= customer["predictions"]["churn_probability"] <= 1.0
    assert customer["top_features"]["engagement"]  # the stored signed SHAP impacts
    assert namespace["answer"].text and namespace["answer"].text in out
    assert "engagement_predictions.predictions" in namespace["later"].tables()

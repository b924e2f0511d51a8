"""README's pipeline performance table is the one bench/pipeline_table.py makes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _module():
    spec = importlib.util.spec_from_file_location(
        "pipeline_table", ROOT / "bench/pipeline_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_table_is_generated_from_the_bench_report() -> None:
    table = _module()
    report = json.loads((ROOT / "bench/results/pipeline.json").read_text())
    readme = (ROOT / "README.md").read_text()
    assert table.current_block(readme) == table.block(report), (
        "README's performance table is stale: run python bench/pipeline_table.py"
    )


def test_each_measured_size_is_a_row_with_its_figures() -> None:
    table = _module()
    report = {
        "targets": {"100000": "<= 60 s"},
        "machine": {"cpus": 2, "python": "3.11.7"},
        "runs": [
            {"rows": 1000, "end_to_end_seconds": 12.4, "generate_seconds": 1.0,
             "pipeline_seconds": 11.4, "peak_rss_mb": 2048, "cores_busy": 1.5, "shards": 1,
             "stage_seconds": {"ScoreShards": 3.2}, "measured_at": "2026-12-03T00:00:00Z"},
        ],
    }  # fmt: skip
    text = table.table(report)
    assert "| 1,000 | 12 s | 1 s | 11 s | 0 s | 3 s | 2.0 GB | 1.5 | 1 |" in text
    assert "2 CPUs" in text and "100,000: <= 60 s" in text

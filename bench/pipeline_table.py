"""The README's pipeline performance table, generated from bench/results/pipeline.json.

`python bench/pipeline.py` rewrites the table after it measures; `python
bench/pipeline_table.py` rewrites it from the report as it stands. The block sits
between two HTML comments in README.md, and a unit test checks that it equals what
this script makes of the report (tests/unit/docs/test_performance_table.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "results" / "pipeline.json"
README = ROOT / "README.md"
START, END = "<!-- pipeline-bench:start -->", "<!-- pipeline-bench:end -->"
STAGES = ("ParallelTrainingAndValidation", "ScoreShards", "ModelEnsemble")


def table(report: dict[str, Any]) -> str:
    """Markdown: one row per measured size, then the machine and the target."""
    machine = report.get("machine", {})
    lines = [
        "| customers | end to end | generate | pipeline | training + analytics | scoring "
        "| peak RSS | cores busy | shards | measured |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report["runs"]:
        stages = run.get("stage_seconds", {})
        lines.append(
            f"| {run['rows']:,} | {run['end_to_end_seconds']:.0f} s "
            f"| {run['generate_seconds']:.0f} s | {run['pipeline_seconds']:.0f} s "
            f"| {stages.get(STAGES[0], 0):.0f} s | {stages.get(STAGES[1], 0):.0f} s "
            f"| {run['peak_rss_mb'] / 1024:.1f} GB | {run.get('cores_busy', '-')} "
            f"| {run.get('shards', '-')} | {run.get('measured_at', '-')} |"
        )
    targets = "; ".join(f"{int(rows):,}: {goal}" for rows, goal in report["targets"].items())
    lines += [
        "",
        f"Machine: {machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}. "
        f"Targets (issue 19): {targets}.",
    ]
    return "\n".join(lines)


def block(report: dict[str, Any]) -> str:
    return f"{START}\n{table(report)}\n{END}"


def current_block(readme: str) -> str | None:
    """The README's block as it stands, markers included (None when absent)."""
    if START not in readme or END not in readme:
        return None
    return readme[readme.index(START) : readme.index(END) + len(END)]


def update_readme(report_path: Path = REPORT, readme_path: Path = README) -> bool:
    """Rewrite the README's block from the report; False when the README has none."""
    readme = readme_path.read_text()
    old = current_block(readme)
    if old is None:
        return False
    readme_path.write_text(readme.replace(old, block(json.loads(report_path.read_text()))))
    return True


if __name__ == "__main__":
    print("updated README.md" if update_readme() else f"README.md has no {START} block")

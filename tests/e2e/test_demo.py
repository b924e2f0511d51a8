"""`engage demo` runs the whole tour in its own folder and every step does its job.

The default suite runs the tour in-process on 600 customers (about a minute on a busy
2-core machine); the `soak` test runs `engage demo` exactly as `make demo` does
(3,000 customers, a subprocess), and is selected with `pytest -m soak`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engage import bootstrap
from engage.demo import QUESTIONS, SQL, run_demo
from engage.settings import Settings


@pytest.mark.slow
def test_the_tour_runs_every_step_and_each_one_did_its_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {k: os.environ.get(k) for k in ("ENGAGE_DATA_DIR", "ENGAGE_LAKE")}
    tour = run_demo(tmp_path / "demo", rows=600)
    out = capsys.readouterr().out
    assert {k: os.environ.get(k) for k in before} == before  # the caller's settings are back
    assert len(tour.timings) == 15
    for command in (
        "$ engage generate --rows 600",
        "$ engage run",
        f"$ engage explain {tour.customer} --no-hints",
        "$ engage keys create --name demo",
        "$ engage serve --port ",
        f"$ engage qa review {tour.customer} --status approved",
        "$ engage report",
        "$ engage cost --format markdown",
    ):
        assert command in out, command
    assert out.count("$ engage sql ") == len(SQL) and out.count("$ engage ask ") == len(QUESTIONS)
    assert "I can't answer" not in out and "row(s)" in out
    assert "HTTP 200" in out and "without the key: HTTP 401" in out
    settings = Settings(data_dir=tour.root / "data", lake=str(tour.root / "lake"))
    with bootstrap.sql_engine(settings, read_only=True) as sql:  # type: ignore[attr-defined]
        decisions = sql.query(
            "SELECT status FROM engagement_qa.review_decisions WHERE customer_id = :c",
            {"c": tour.customer},
        ).to_pylist()
    assert decisions == [{"status": "approved"}]
    reports = list((tour.root / "lake" / "engagement-reports").glob("run_*/architecture.pdf"))
    assert len(reports) == 1 and reports[0].stat().st_size > 10_000
    assert "# AWS cost dashboard" in out


@pytest.mark.soak
def test_make_demo_command_completes(tmp_path: Path) -> None:
    engage = Path(sys.executable).with_name("engage")
    done = subprocess.run(
        [str(engage), "demo", "--rows", "3000", "--dir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Demo finished: 15 steps" in done.stdout

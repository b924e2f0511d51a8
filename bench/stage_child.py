"""Benchmarking one pipeline stage on generated data, each step in its own process.

The data is generated (seed 42) in one child and the stage runs in another, so the
stage's wall time and peak RSS are its own, not the generator's or this script's.
A stage script gets the data folder and a scratch root as argv[1] and argv[2] and
prints its result as JSON on its last line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENERATE = """
import sys, time
from pathlib import Path
from engage.data import generate
t = time.perf_counter()
generate(int(sys.argv[1]), 42, Path(sys.argv[2]), ("parquet",))
print(time.perf_counter() - t)
"""


@dataclass(frozen=True)
class StageRun:
    """What one generated-data stage run left: its figures and where its files are."""

    generate_seconds: float
    stage: dict[str, Any]
    work: Path

    @property
    def source(self) -> Path:
        return self.work / "data"


@contextmanager
def stage_on_generated_data(rows: int, stage_script: str, name: str) -> Iterator[StageRun]:
    """Generate `rows` customers, run `stage_script` on them; the files go on exit."""
    work = Path(tempfile.mkdtemp(prefix=f"engage-bench-{name}-"))
    try:
        gen = _child(GENERATE, str(rows), str(work / "data"))
        proc = _child(stage_script, str(work / "data"), str(work))
        yield StageRun(
            generate_seconds=round(float(gen.strip().splitlines()[-1]), 2),
            stage=json.loads(proc.strip().splitlines()[-1]),
            work=work,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _child(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    return done.stdout

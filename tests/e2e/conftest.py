"""One small generated dataset and one good pipeline run, shared by the e2e tests.

Tests that change the lake work on a copy (`copy_of_lake`), so the baseline run
is made once per session: the whole pipeline on 2,000 customers takes a few seconds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from engage.data import generate
from engage.orchestrate import PipelineRun, run_pipeline
from engage.settings import Settings

ROWS = 2_000


@dataclass
class Baseline:
    data: Path
    lake: Path
    run: PipelineRun


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "data"
    generate(ROWS, 3, out, formats=("parquet",))
    return out


@pytest.fixture(scope="session")
def baseline(e2e_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    lake = tmp_path_factory.mktemp("baseline") / "lake"
    run = run_pipeline(Settings(lake=str(lake), data_dir=e2e_data))
    assert run.succeeded, run.result.cause
    return Baseline(e2e_data, lake, run)


@pytest.fixture
def copy_of_lake(baseline: Baseline, tmp_path: Path) -> Path:
    """A private copy of the baseline lake (catalog included) for tests that change it."""
    lake = tmp_path / "lake"
    shutil.copytree(baseline.lake, lake)
    return lake

"""One small lake, built once per session with the real pipeline (1,500 customers)."""

from __future__ import annotations

import pytest

from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings

ROWS = 1_500


@pytest.fixture(scope="session")
def pipeline_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """(settings of a lake after one succeeded run, that run's id)."""
    base = tmp_path_factory.mktemp("costlake")
    generate(ROWS, 42, base / "data", formats=("parquet",))
    settings = Settings(lake=str(base / "lake"), data_dir=base / "data")
    run = run_pipeline(settings)
    assert run.succeeded, run.result.cause
    return settings, run.run_id


@pytest.fixture
def lake_env(pipeline_lake: tuple[Settings, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI's Settings() at the session lake; return the run id."""
    settings, run_id = pipeline_lake
    monkeypatch.setenv("ENGAGE_LAKE", settings.lake)
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(settings.data_dir))
    return run_id

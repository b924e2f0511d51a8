"""One small lake per test session, made by the real pipeline (1,500 customers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engage import bootstrap
from engage.agent.session import Session
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings


@pytest.fixture(scope="session")
def agent_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("agent")
    source = root / "data"
    generate(1_500, 7, source, formats=("parquet",))
    settings = Settings(lake=str(root / "lake"), data_dir=source, api_reload_seconds=0)
    run = run_pipeline(settings, sleep=lambda s: None)
    assert run.succeeded, run.result.cause
    return settings


@pytest.fixture(scope="session")
def session(agent_settings: Settings) -> Iterator[Session]:
    s = bootstrap.session(agent_settings)
    yield s
    s.close()


@pytest.fixture()
def fresh(session: Session) -> Session:
    """The shared session with an empty history (no follow-up context)."""
    session.history.clear()
    return session


def lake_root(settings: Settings) -> Path:
    return Path(settings.lake)

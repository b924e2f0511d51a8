"""Tiny lakes for the stage unit tests: 400 customers, prepared once, restored per test.

The DuckDB catalog's views hold *absolute* paths to the lake's Parquet files, so a
lake copied to another folder would still read the original. Snapshots are therefore
restored to the very folder they were taken from, never copied elsewhere to be used.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engage.data import generate
from engage.settings import Settings
from engage.stages import data_prep, next_best_action, train
from engage.stages.plans import PLANS
from engage.stages.services import Services

TINY_ROWS = 400
TINY_SEED = 3


@dataclass
class Snapshot:
    """A lake folder and a pristine copy of it; `restore` puts the copy back in place."""

    lake: Path
    pristine: Path
    source: Path
    summaries: list[dict] = field(default_factory=list)  # what the stages returned

    @classmethod
    def take(cls, lake: Path, source: Path, summaries: list[dict] | None = None) -> Snapshot:
        pristine = lake.with_name(lake.name + "-pristine")
        shutil.rmtree(pristine, ignore_errors=True)
        shutil.copytree(lake, pristine)
        return cls(lake, pristine, source, list(summaries or []))

    def restore(self) -> None:
        shutil.rmtree(self.lake, ignore_errors=True)
        shutil.copytree(self.pristine, self.lake)

    @property
    def settings(self) -> Settings:
        return Settings(lake=str(self.lake), data_dir=self.source)


def _event(run_id: str, source: Path | None = None) -> dict:
    """The execution input every stage gets (what run_pipeline passes)."""
    return {"run_id": run_id, "seed": 42, **({"source": str(source)} if source else {})}


@pytest.fixture(scope="session")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 generated customers (and side tables), Parquet only."""
    out = tmp_path_factory.mktemp("stages") / "data"
    generate(TINY_ROWS, TINY_SEED, out, formats=("parquet",))
    return out


@pytest.fixture(scope="session")
def prepared(tiny_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """A lake after data preparation (run r1) of the tiny source."""
    lake = tmp_path_factory.mktemp("prepared") / "lake"
    with Services.from_settings(Settings(lake=str(lake), data_dir=tiny_source)) as services:
        summary = data_prep.run(_event("r1", tiny_source), services)
    return Snapshot.take(lake, tiny_source, [summary])


@pytest.fixture(scope="session")
def trained(tiny_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """A prepared lake where run r1 then run r2 trained all five models (v1, v2 of each).

    `summaries` holds every training summary, r1's five then r2's five.
    """
    lake = tmp_path_factory.mktemp("trained") / "lake"
    with Services.from_settings(Settings(lake=str(lake), data_dir=tiny_source)) as services:
        data_prep.run(_event("r1", tiny_source), services)
        summaries = [
            train.run_model(name, _event(run_id, tiny_source), services)
            for run_id in ("r1", "r2")
            for name in PLANS
        ]
        next_best_action.run(_event("r1", tiny_source), services)  # the ensemble joins it
    return Snapshot.take(lake, tiny_source, summaries)


def _services(snapshot: Snapshot) -> Iterator[Services]:
    snapshot.restore()
    with Services.from_settings(snapshot.settings) as services:
        yield services


@pytest.fixture
def prepared_services(prepared: Snapshot) -> Iterator[Services]:
    """Services over a freshly restored prepared lake."""
    yield from _services(prepared)


@pytest.fixture
def trained_services(trained: Snapshot) -> Iterator[Services]:
    """Services over a freshly restored lake holding v1 (run r1) and v2 (run r2) of every model."""
    yield from _services(trained)

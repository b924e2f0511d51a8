"""A tiny lake made by the real pipeline (1,500 customers), API keys, and a client.

The pipeline runs once per session (seconds); tests that change the lake (hot
reload) work on their own copy, and each app gets its own cache and key files
unless a test asks for the lake's own cache (the one warmed after the run was published).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from engage import bootstrap, lake
from engage.api.app import create_app
from engage.api.keys import KeyStore
from engage.api.state import AppState, build_state
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.settings import Settings

ROWS, SEED = 1_500, 5


@dataclass
class World:
    """The session's lake and what its batch run produced."""

    source: Path
    lake: Path
    run_id: str
    inputs: dict[str, dict[str, Any]]  # customer_id -> model inputs the run scored
    predictions: dict[str, dict[str, Any]]  # customer_id -> predictions table row

    def settings(self, tmp: Path, **overrides: Any) -> Settings:
        """Settings over this lake with a private cache and the session's key file."""
        values: dict[str, Any] = {
            "lake": str(self.lake),
            "data_dir": self.source,
            "cache_path": tmp / "cache.sqlite",
            "api_keys_path": self.lake.parent / "api_keys.json",
            "api_reload_seconds": 0,
        }
        values.update(overrides)
        return Settings(**values)

    def copy_lake(self, dest: Path) -> Path:
        shutil.copytree(self.lake, dest)
        return dest


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("api")
    source, lake_dir = root / "data", root / "lake"
    generate(ROWS, SEED, source, formats=("parquet",))
    run = run_pipeline(Settings(lake=str(lake_dir), data_dir=source), sleep=lambda s: None)
    assert run.succeeded, run.result.cause
    store = bootstrap.object_store(Settings(lake=str(lake_dir)))  # the published generation
    inputs = store.read_parquet(lake.PROCESSED_INFERENCE).to_pylist()
    predictions = store.read_parquet(lake.PREDICTIONS_TABLE).to_pylist()
    return World(
        source,
        lake_dir,
        run.run_id,
        {r.pop("customer_id"): r for r in inputs},
        {r["customer_id"]: r for r in predictions},
    )


@dataclass(frozen=True)
class Keys:
    reader: str
    admin: str
    reader_id: str
    path: Path

    def h(self, role: str = "reader") -> dict[str, str]:
        return {"x-api-key": self.reader if role == "reader" else self.admin}


@pytest.fixture(scope="session")
def keys(world: World) -> Keys:
    store = KeyStore(world.lake.parent / "api_keys.json")
    reader, reader_key = store.create("tests-reader", "reader")
    _, admin_key = store.create("tests-admin", "admin")
    return Keys(reader_key, admin_key, reader.key_id, store.path)


@pytest.fixture(scope="session")
def state(world: World, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> AppState:
    """One app state for the read-mostly tests (private cache, no background threads)."""
    return build_state(world.settings(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def client(state: AppState) -> Iterator[TestClient]:
    with TestClient(create_app(state=state, background=False)) as c:
        yield c


def live_body(world: World, customer_id: str, **changes: Any) -> dict[str, Any]:
    """A /predict body with the customer's own batch inputs (optionally changed)."""
    return {"customer_id": customer_id, "features": {**world.inputs[customer_id], **changes}}


@pytest.fixture(scope="session")
def live(world: World) -> Any:
    """live(customer_id, **changes) -> a /predict body with that customer's batch inputs."""
    return lambda customer_id, **changes: live_body(world, customer_id, **changes)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    engage = Path(sys.executable).parent / "engage"
    proc = subprocess.Popen(
        [str(engage), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read().decode()
    proc.kill()
    raise AssertionError("engage serve did not start")


@pytest.fixture
def free_port() -> Any:
    """free_port() -> a free TCP port on 127.0.0.1."""
    return _free_port


@pytest.fixture
def start_server() -> Any:
    """start_server(env, port) -> a real `engage serve` subprocess, answering /health."""
    return _start_server

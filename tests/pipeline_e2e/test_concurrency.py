"""Concurrency: `engage run`, `engage serve`, `engage sql`, `engage forget` and the agent
at once, in one lake, as separate processes.

The server and every reader must keep answering from the last published run while
the new run is written (no "Conflicting lock"), forget must complete during the run,
a second `engage run` must be refused by the run lock, and the run must succeed and
publish. Slow (a pipeline run plus several CLI processes): marked `soak`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from engage import bootstrap
from engage.settings import Settings

pytestmark = [pytest.mark.soak, pytest.mark.slow]
ENGAGE = str(Path(sys.executable).with_name("engage"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([ENGAGE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _wait_ready(url: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server never became healthy")


def test_run_serve_sql_forget_and_ask_together(baseline: Any, tmp_path: Path) -> None:
    if baseline.dirty:
        baseline.restore()
    lake_dir = tmp_path / "lake"
    shutil.copytree(baseline.pristine, lake_dir, symlinks=True)
    env = {
        **os.environ,
        "ENGAGE_LAKE": str(lake_dir),
        "ENGAGE_DATA_DIR": str(baseline.source),
        "COLUMNS": "200",
    }
    key = _cli(env, "keys", "create", "--name", "soak", "--role", "reader").stdout.split()[-1]
    customers = baseline.query(
        "SELECT customer_id FROM engagement_analytics.final_results ORDER BY customer_id LIMIT 2"
    )["customer_id"].to_pylist()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [ENGAGE, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        _wait_ready(url, server, time.monotonic() + 120)
        run = subprocess.Popen(
            [ENGAGE, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(2)  # the run holds its lock and is writing its generation
        second = _cli(env, "run")
        assert second.returncode == 2 and "another engage run" in second.stderr
        # The second run was refused, so the first holds its lock: forget and ask start
        # while it writes its generation (at this size it may publish before they end).
        assert run.poll() is None, "the run ended before forget started: nothing was concurrent"
        forget = _cli(env, "forget", customers[0], "--by", "soak")
        assert forget.returncode == 0, forget.stdout + forget.stderr
        ask = _cli(env, "ask", "Which features most strongly predict high engagement?")
        assert ask.returncode == 0, ask.stdout + ask.stderr
        answers = []
        while run.poll() is None and len(answers) < 8:
            sql = _cli(env, "sql", "SELECT count(*) AS n FROM engagement_analytics.final_results")
            assert sql.returncode == 0, sql.stderr
            answers.append(sql.stdout)
            health = httpx.get(url + "/health", timeout=10)
            assert health.status_code == 200
            predict = httpx.post(
                url + "/predict",
                json={"customer_id": customers[1]},
                headers={"x-api-key": key},
                timeout=30,
            )
            assert predict.status_code == 200, predict.text
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, out[-3000:] + err[-3000:]
        # Readers saw whole tables at every instant: the published run less the one
        # customer forgotten above (before and after the new run is published).
        assert all("1999" in a.replace(",", "") for a in answers), answers
        after = httpx.get(url + "/health", timeout=10)
        assert after.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    settings = Settings(lake=str(lake_dir), data_dir=baseline.source)
    engine = bootstrap.sql_engine(settings, read_only=True)
    try:
        runs = engine.query(
            "SELECT DISTINCT pipeline_run_id AS r FROM engagement_analytics.final_results"
        )["r"].to_pylist()
        erased = engine.query(
            "SELECT count(*) AS n FROM engagement_analytics.final_results WHERE customer_id = :c",
            {"c": customers[0]},
        )["n"][0].as_py()
    finally:
        engine.close()
    assert runs != [baseline.run.run_id] and len(runs) == 1  # the new run is published
    assert erased == 0  # erased during the run: not brought back by its publication

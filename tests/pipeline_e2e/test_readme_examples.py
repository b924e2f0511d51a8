"""Every command of every README bash block, run in order on a small run (soak).

Run with `pytest -m soak` (the `make soak` target); skipped otherwise, since it
runs the whole pipeline, the reports and the agent (minutes on 2 cores).
Substitutions, and only these: ENGAGE_ROWS=3000 and `--rows 3000` instead of
100,000 (size only); the lake, data and key file live in a temporary folder
(ENGAGE_* variables); each `engage serve` listens on a random loopback port,
with the README's `127.0.0.1:8000` rewritten to it, and runs in the background
until the next `serve`; `KEY=ek_...` is the key `engage keys create` printed.
`make run`/`make test` (this suite is part of `make test`) and `. .venv/bin/activate`
(the test already runs in the venv) are not re-run.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.soak


def _readme_commands() -> list[list[str]]:
    spec = importlib.util.spec_from_file_location(
        "readme_api", ROOT / "tests" / "integration" / "api" / "test_readme_api.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.commands(module.README.read_text())


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen:
    argv = [a for a in argv if a not in ("--port", "8000")] + ["--port", str(port)]
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("engage serve did not start")


def test_every_readme_command_works(tmp_path, request) -> None:
    if "soak" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("soak test: run with -m soak")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENGAGE_LAKE": str(tmp_path / "lake"),
        "ENGAGE_DATA_DIR": str(tmp_path / "data"),
        "ENGAGE_API_KEYS_PATH": str(tmp_path / "keys.json"),
        "ENGAGE_ROWS": "3000",
    }
    server, port = None, _port()
    try:
        for argv in _readme_commands():
            if argv[:2] == ["make", "run"]:  # the quick start: what `make run` runs, smaller
                argv = ["engage", "run", "--rows", "3000"]
            elif argv[0] in ("make", ".") or argv[0].startswith("KEY="):
                continue
            argv = [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in argv]
            argv = ["3000" if a == "100000" else a for a in argv]
            if argv[:2] == ["engage", "serve"]:
                if server is not None:
                    server.send_signal(signal.SIGTERM)
                    server.wait(timeout=30)
                server = _serve(argv, env, tmp_path, port)
                continue
            line = " ".join(f'"{a}"' if "$KEY" in a else shlex.quote(a) for a in argv)
            done = subprocess.run(
                ["bash", "-c", line], env=env, cwd=tmp_path, text=True, capture_output=True,
                timeout=900, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
            assert "Traceback" not in done.stderr, (argv, done.stderr[-2000:])
            if argv[:3] == ["engage", "keys", "create"]:
                env["KEY"] = done.stdout.strip().splitlines()[-1]
            if argv[0] == "curl":
                assert '"error"' not in done.stdout[:200], (argv, done.stdout[:500])
    finally:
        if server is not None:
            server.kill()
            server.wait(timeout=30)

"""The demo's API step: a real `engage serve` on a free loopback port, one keyed call, stop.

A subprocess rather than a thread, so the step exercises the command a person would run.
Only 127.0.0.1 is ever contacted; the waits are bounded and the server is always stopped.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engage.demo import Tour

START_TIMEOUT_S = 120.0  # importing the API stack takes a while on a busy 2-core laptop


def free_port() -> int:
    """A port the kernel just handed out on loopback (closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _engage_command() -> list[str]:
    script = Path(sys.executable).with_name("engage")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from engage.cli import main; sys.exit(main())"]


def _request(url: str, key: str = "", body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310
    req.add_header("content-type", "application/json")
    if key:
        req.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310  (loopback only)
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _wait_ready(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"engage serve exited {proc.returncode}: {log.read_text()[-400:]}")
        try:
            if _request(base + "/health")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"engage serve did not answer /health within {START_TIMEOUT_S:.0f} s")


def call_api(tour: Tour) -> str:
    """Start the server, POST /predict for the tour's customer with its key, stop the server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    body = {"customer_id": tour.customer}
    print(f"$ KEY={tour.key}   # the key the step before printed")
    print(f"$ engage serve --port {port} &")
    print(f'$ curl -s -H "x-api-key: $KEY" -d {shlex.quote(json.dumps(body))} {base}/predict')
    log = tour.root / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
            [*_engage_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ),
        )  # fmt: skip
        try:
            _wait_ready(proc, base, log)
            status, answer = _request(base + "/predict", tour.key, body)
            denied, _ = _request(base + "/predict", "", body)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    if status != 200:
        raise RuntimeError(f"POST /predict answered {status}: {answer}")
    shown = {k: answer[k] for k in list(answer)[:6]}
    return (
        f"HTTP {status} {json.dumps(shown, default=str)[:600]}\n"
        f"without the key: HTTP {denied}; server on port {port} stopped\n"
    )

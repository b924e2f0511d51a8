"""A real uvicorn on 127.0.0.1: a hostile battery gets only clear 4xx answers and the
server keeps serving correct predictions; a promotion is picked up under load."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from engage import bootstrap
from engage.api.app import create_app
from engage.api.state import AppState, build_state
from engage.models.registry import ModelRegistry


def wait_for(predicate, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@contextmanager
def serving(state: AppState) -> Iterator[str]:
    """Run the app under uvicorn in a thread on a free loopback port."""
    config = uvicorn.Config(create_app(state=state), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, 20), "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def raw_request(base: str, payload: bytes) -> bytes:
    """Send raw bytes over TCP; return whatever comes back (HTTP-level garbage tests)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_bad_input_battery_against_a_running_server(world, keys, tmp_path, live) -> None:
    state = build_state(world.settings(tmp_path, api_burst=50, api_rate_per_second=10))
    good = {"customer_id": "CUST_0000004"}
    expected = world.predictions["CUST_0000004"]["predicted_engagement_score"]
    limit = state.settings.api_max_body_bytes
    cid = b'{"customer_id": "CUST_0000004", '
    battery = [
        ("POST", "/predict", {}, b'{"customer_id": "CUST_0000004"}', 401),
        ("POST", "/predict", {"x-api-key": "nope"}, b'{"customer_id": "CUST_0000004"}', 401),
        ("POST", "/predict", keys.h(), b"{not json", 422),
        ("POST", "/predict", keys.h(), b'{"customer_id": "1 OR 1=1; --"}', 422),
        ("POST", "/predict", keys.h(), cid + b'"features": {"age": -1}}', 422),
        ("POST", "/predict", keys.h(), cid + b'"features": {"x": 1}}', 422),
        ("POST", "/predict", keys.h(), cid + b'"pad": "' + b"x" * limit + b'"}', 413),
        ("POST", "/predict", keys.h(), b"[" * 20000 + b"]" * 20000, 400),
        ("POST", "/predict", keys.h(), b"[" * 40000 + b"]" * 40000, 413),
        ("POST", "/predict", keys.h(), b'{"customer_id": "CUST_9999999"}', 404),
        ("GET", "/customers/..%2F..%2Fetc%2Fpasswd", keys.h(), b"", 404),
        ("GET", "/customers/CUST%27%20OR%201=1", keys.h(), b"", 422),
        ("GET", "/metrics", keys.h(), b"", 403),
        ("DELETE", "/predict", keys.h(), b"", 405),
        ("GET", "/nothing/here", keys.h(), b"", 404),
    ]
    with serving(state) as base, httpx.Client(base_url=base, timeout=10) as http:
        for method, path, headers, body, status in battery:
            r = http.request(
                method, path, headers={**headers, "content-type": "application/json"}, content=body
            )
            assert r.status_code == status, (path, body[:60], r.status_code, r.text[:200])
            assert r.headers["content-type"].startswith("application/json")
        # Lies about the length, and HTTP garbage: the server answers 4xx or closes.
        head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n"
        lying = raw_request(base, head + b"x-api-key: " + keys.reader.encode() + b"\r\n\r\n{}")
        assert lying.startswith(b"HTTP/1.1 413")
        bad_length = raw_request(
            base, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
        )
        assert bad_length == b"" or bad_length.startswith(b"HTTP/1.1 4")
        garbage = raw_request(base, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
        assert garbage == b"" or garbage.startswith(b"HTTP/1.1 4")
        # A burst past the bucket: only 200s and 429s, with Retry-After.
        with ThreadPoolExecutor(16) as pool:
            burst = list(
                pool.map(lambda _: http.post("/predict", json=good, headers=keys.h()), range(120))
            )
        codes = {r.status_code for r in burst}
        assert codes <= {200, 429} and 429 in codes
        assert all(r.headers.get("Retry-After") for r in burst if r.status_code == 429)
        # Still up, still right.
        assert http.get("/health").json()["status"] == "ok"
        time.sleep(1.2)
        r = http.post("/predict", json=good, headers=keys.h("admin"))
        assert r.status_code == 200
        assert r.json()["prediction"]["engagement_score"] == pytest.approx(expected, abs=1e-12)
        live_answer = http.post("/predict", json=live("CUST_0000004"), headers=keys.h("admin"))
        assert live_answer.json()["prediction"]["engagement_score"] == pytest.approx(
            expected, abs=1e-12
        )


def test_hot_reload_under_concurrent_requests(world, keys, tmp_path, live) -> None:
    lake_dir = world.copy_lake(tmp_path / "lake")
    settings = world.settings(
        tmp_path,
        lake=str(lake_dir),
        api_reload_seconds=0.2,
        api_burst=100_000,
        api_rate_per_second=100_000,
    )
    state = build_state(settings)
    store = bootstrap.object_store(settings)
    registry = ModelRegistry(store, "engagement")
    shutil.copytree(lake_dir / registry.root / "v1", lake_dir / registry.root / "v2")
    body = live("CUST_0000006")
    stop = threading.Event()
    results: list[tuple[int, str | None]] = []

    def hammer(base: str) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set():
                r = http.post("/predict", json=body, headers=keys.h())
                version = r.json()["model_versions"]["engagement"] if r.status_code == 200 else None
                results.append((r.status_code, version))

    with serving(state) as base:
        threads = [threading.Thread(target=hammer, args=(base,)) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        registry.promote("v2", "run_manual")
        assert wait_for(lambda: state.holder.current.versions["engagement"] == "v2", 15)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        health = httpx.get(f"{base}/health").json()
    assert health["model_versions"]["engagement"] == "v2" and health["reloads"] == 1
    assert {code for code, _ in results} == {200}  # no request failed during the swap
    versions = [v for _, v in results]
    assert versions[0] == "v1" and versions[-1] == "v2"
    first_v2 = versions.index("v2")
    assert "v1" not in versions[first_v2 + 50 :]  # after the swap, only the new version

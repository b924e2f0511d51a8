"""`kill -9` of a real `engage serve` under load loses no answered prediction's audit record.

Before: records waited in memory for the next flush (2 s, here set to 5 min so
that the gap is certain) and a killed server lost them. Now each is journaled
on local disk before the answer goes out and replayed at the next start.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx

from engage import bootstrap
from engage.api import records
from engage.audit import AuditLog, BufferedAudit
from engage.settings import Settings


def test_kill_9_under_load_keeps_every_answered_prediction(
    world, keys, tmp_path, free_port, start_server
) -> None:
    lake_dir = world.copy_lake(tmp_path / "lake")
    env = {
        **os.environ,
        "ENGAGE_LAKE": str(lake_dir),
        "ENGAGE_DATA_DIR": str(world.source),
        "ENGAGE_API_KEYS_PATH": str(keys.path),
        "ENGAGE_AUDIT_FLUSH_SECONDS": "300",
        "ENGAGE_API_RELOAD_SECONDS": "0",
    }
    port = free_port()
    proc = start_server(env, port)
    answered: list[tuple[str, str]] = []
    stop = threading.Event()
    ids = sorted(world.inputs)

    def load(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            i = 0
            while not stop.is_set():
                cid = ids[(worker * 97 + i) % len(ids)]
                features = {**world.inputs[cid], "age": 18 + (i % 60)}
                i += 1
                try:
                    r = client.post(
                        "/predict", json={"customer_id": cid, "features": features},
                        headers=keys.h(),
                    )  # fmt: skip
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    answered.append((cid, records.input_hash(features)))

    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    while len(answered) < 300 and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # mid-load: requests are in flight
    proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(answered) >= 300

    settings = Settings(lake=str(lake_dir), data_dir=world.source)
    log = AuditLog(bootstrap.object_store(settings))
    journal = settings.resolved_cache_path().parent / "audit-journal"
    restarted = BufferedAudit(log, journal_dir=journal)  # what the next server start does
    assert restarted.recovered >= len(answered)
    table = log.read().to_pylist()
    audited = {(r["customer_id"], r["input_hash"]) for r in table if r["source"] == "api"}
    missing = [a for a in answered if a not in audited]
    assert not missing, f"{len(missing)} of {len(answered)} answered predictions not audited"
    restarted.close()
    assert not list(journal.glob("*.jsonl"))  # replayed segments are removed

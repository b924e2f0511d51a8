"""A writer waits for another process's lock on the DuckDB catalog instead of failing.

Parallel branches deployed as separate processes share one catalog (as they share
Glue); before the wait, whichever opened second failed the run at random.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engage.adapters.sql.duckdb_catalog import connect
from engage.ports import SqlError

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS x")
print("locked", flush=True)
sys.stdin.readline()
con.close()
print("released", flush=True)
"""


def _hold(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()


def test_writer_opens_once_the_other_process_releases(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    holder = _hold(path)
    try:
        threading.Timer(0.5, _release, args=(holder,)).start()
        con = connect(path, read_only=False, lock_wait_s=60)
        assert con.execute("SELECT x FROM t").fetchone() == (1,)
        con.close()
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_lock_held_past_the_wait_names_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    holder = _hold(path)
    try:
        with pytest.raises(SqlError, match=r"catalog\.duckdb \(waited 0 s for the lock\)"):
            connect(path, read_only=False, lock_wait_s=0)
    finally:
        _release(holder)
        holder.wait(timeout=30)


def test_a_bad_wait_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_CATALOG_LOCK_WAIT_S", "soon")
    with pytest.raises(SqlError, match="ENGAGE_CATALOG_LOCK_WAIT_S='soon'"):
        connect(tmp_path / "catalog.duckdb", read_only=False)

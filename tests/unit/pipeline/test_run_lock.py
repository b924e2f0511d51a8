"""One run per lake: a second run is refused by name; a dead holder's lock is free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engage.pipeline.lock import LOCK_NAME, RunLock, RunLockedError


def test_second_lock_in_the_same_lake_is_refused_naming_the_holder(tmp_path: Path) -> None:
    with (
        RunLock(tmp_path, "run_a"),
        pytest.raises(RunLockedError, match=r"another engage run .* run_a"),
    ):
        RunLock(tmp_path, "run_b").acquire()
    with RunLock(tmp_path, "run_b"):  # released: the next run may start
        pass


def test_lock_of_a_killed_process_is_recovered(tmp_path: Path) -> None:
    """kill -9 cannot release a lock by itself; the kernel drops a flock with its holder."""
    script = (
        "import sys, time\n"
        "from engage.pipeline.lock import RunLock\n"
        f"held = RunLock({str(tmp_path)!r}, 'doomed').acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError, match=f"process {child.pid}"):
            RunLock(tmp_path).acquire()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert "doomed" in (tmp_path / LOCK_NAME).read_text()  # the stale record is still there
    deadline = time.monotonic() + 5
    while True:
        try:
            RunLock(tmp_path, "next").acquire().release()
            break
        except RunLockedError:
            assert time.monotonic() < deadline, "the dead holder's lock was never released"
            time.sleep(0.05)

"""PeriodicWorker: the one background loop behind model reload, page warm-up and the drains."""

from __future__ import annotations

import threading

from engage.periodic import PeriodicWorker


def test_at_start_with_no_interval_runs_once_and_ends() -> None:
    calls: list[int] = []
    worker = PeriodicWorker("once", lambda: calls.append(1), interval_s=0, at_start=True)
    worker.start()
    worker._thread.join(timeout=5)  # the loop ends by itself after the first call
    assert calls == [1]
    worker.stop()
    assert not worker.running


def test_wake_runs_work_before_the_interval_ends() -> None:
    ran = threading.Event()
    worker = PeriodicWorker("wake", ran.set, interval_s=3600)
    worker.start()
    assert not ran.wait(0.2)  # an hour's interval: nothing yet
    worker.wake()
    assert ran.wait(5)
    worker.stop()


def test_a_failing_job_does_not_kill_the_loop() -> None:
    calls: list[int] = []
    second = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first call fails")
        second.set()

    worker = PeriodicWorker("flaky", flaky, interval_s=0.01, at_start=True)
    worker.start()
    assert second.wait(5)
    worker.stop()
    assert len(calls) >= 2


def test_stop_then_start_again_runs_again() -> None:
    ran = threading.Event()
    worker = PeriodicWorker("restart", ran.set, interval_s=3600, at_start=True)
    worker.start()
    assert ran.wait(5)
    worker.stop()
    assert worker.stopping and not worker.running
    ran.clear()
    worker.start()
    assert ran.wait(5) and not worker.stopping
    worker.stop()

"""One background loop for a server's periodic work: model reload, page warm-up, drains.

Why one class: four loops had each re-written the same start / wake / stop / join
dance, and the small differences between copies (clearing the stop flag on a
restart, waking early, surviving an exception) are where such loops go wrong.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicWorker:
    """Calls `work` every `interval_s` seconds, or sooner when woken, on one daemon thread.

    `at_start` runs `work` once as soon as the thread starts; with `interval_s <= 0`
    that first call is all it does. An exception in `work` is logged and the loop goes
    on: a background job that dies silently would leave a server serving stale data.
    """

    def __init__(
        self,
        name: str,
        work: Callable[[], object],
        interval_s: float,
        *,
        at_start: bool = False,
    ) -> None:
        self.name, self.work, self.interval_s, self.at_start = name, work, interval_s, at_start
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> bool:
        """True once `stop` was called: work may then skip its waits (shutting down)."""
        return self._stop.is_set()

    def start(self) -> None:
        """Start the thread (no-op when running)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Run `work` now instead of at the end of the current interval."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop and wait (up to `timeout_s`) for a running call to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
        self._thread = None

    def _run(self) -> None:
        if self.at_start:
            self._call()
        if self.interval_s <= 0:
            return
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stop.is_set():
                return  # the owner's close() does the final drain itself
            self._call()

    def _call(self) -> None:
        try:
            self.work()
        except Exception:
            log.exception("background job %s failed; it runs again next interval", self.name)

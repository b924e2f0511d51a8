"""Load the newest run's page copies in the background, so no visitor pays for them.

The pages keep per-run copies (the customer table, the predictions and model inputs
for point lookups, the overview's figures, the served models for the hints); the
first page of a run would otherwise spend ~2 s per copy at 100K building them. Like
the API's model reload (`engage.api.served.ModelHolder`), a thread started with the
server checks every `interval_s` whether a newer run has succeeded and, if so, builds
its copies; a failure (no run yet, a table missing) is kept for the next try.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request

from engage.periodic import PeriodicWorker
from engage.web import results

log = logging.getLogger(__name__)


def warm(app: Any) -> str:
    """Build every per-run copy of the latest run through the pages' own functions."""
    from engage.web.pages import customer, customers, overview

    request = Request({"type": "http", "app": app, "headers": [], "query_string": b""})
    version = results.version(app.state.engage.store)
    app.state.engage.tables.warm()  # the API's GET /customers/{id} copies
    overview._gather(request)
    customers._options(request)
    predictions = customer._points(request, customer.explain.PREDICTIONS)
    if predictions is not None and predictions.rows:
        customer.hints(request, next(iter(predictions.rows)))  # inputs, reference, models
    return version


class Warmer:
    """Polls for a newer succeeded run (or an erasure) and warms its copies (one thread,
    like ModelHolder); `warmed` is the `results.version` it last warmed."""

    def __init__(self, app: Any, interval_s: float) -> None:
        self.app, self.interval_s = app, interval_s
        self.warmed: str | None = None
        self.last_error: str | None = None
        self._worker = PeriodicWorker("web-warm", self.check, interval_s, at_start=True)

    def check(self) -> bool:
        """Warm if the latest succeeded run is new; True when it did."""
        try:
            latest = results.version(self.app.state.engage.store)
            if latest == self.warmed:
                return False
            self.warmed = warm(self.app)
        except Exception as err:  # no run yet (a WebError), a table missing: try later
            self.last_error = f"{type(err).__name__}: {err}"
            log.info("web warm-up skipped: %s", self.last_error)
            return False
        self.last_error = None
        return True

    def start(self) -> None:
        self._worker.start()  # warms at start-up, then on every new run

    def stop(self) -> None:
        self._worker.stop(timeout_s=30)

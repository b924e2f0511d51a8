"""Retry and Catch matching with AWS Step Functions semantics.

Retriers are tried in order; the first whose `ErrorEquals` matches decides,
even when its attempts are spent (later retriers are not consulted), and each
retrier counts its own attempts. `States.ALL` and `States.TaskFailed` never
match `States.Runtime`, and `States.TaskFailed` does not match `States.Timeout`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engage.pipeline.errors import ALL, RUNTIME, TASK_FAILED, TIMEOUT


def error_matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether an error name is matched by a Retry/Catch `ErrorEquals` list."""
    if error == RUNTIME:
        return RUNTIME in error_equals
    if ALL in error_equals or error in error_equals:
        return True
    return TASK_FAILED in error_equals and error != TIMEOUT


def retry_delay(retrier: Mapping[str, Any], retries_done: int) -> float:
    """Seconds to wait before the next retry of one retrier (no jitter)."""
    interval = float(retrier.get("IntervalSeconds", 1))
    delay = interval * float(retrier.get("BackoffRate", 2.0)) ** retries_done
    cap = retrier.get("MaxDelaySeconds")
    return min(delay, float(cap)) if cap is not None else delay


class RetryPolicy:
    """The retry state of one state execution (a fresh policy per state entry).

    `JitterStrategy: FULL` is treated as `NONE` so that local runs are
    reproducible; AWS would randomise the delay below the computed value.
    """

    def __init__(self, retriers: Sequence[Mapping[str, Any]]) -> None:
        self.retriers = list(retriers)
        self.counts = [0] * len(self.retriers)

    def next_delay(self, error: str) -> float | None:
        """Delay before retrying after `error`, or None when the error must not be retried."""
        for index, retrier in enumerate(self.retriers):
            if not error_matches(retrier["ErrorEquals"], error):
                continue
            if self.counts[index] >= int(retrier.get("MaxAttempts", 3)):
                return None
            delay = retry_delay(retrier, self.counts[index])
            self.counts[index] += 1
            return delay
        return None


def find_catcher(catchers: Sequence[Mapping[str, Any]], error: str) -> Mapping[str, Any] | None:
    """The first Catch clause matching `error`, if any."""
    return next((c for c in catchers if error_matches(c["ErrorEquals"], error)), None)

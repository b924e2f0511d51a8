"""Prometheus metrics in the text exposition format, without a client library.

A handful of counters and one latency histogram per route are all the API
needs; keeping them here avoids a dependency and keeps the hot path to a dict
update under a lock.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Request counts and latencies by route, and named event counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS_S) + 1))
        self.sums: dict[str, float] = defaultdict(float)
        self.events: dict[str, int] = defaultdict(int)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            self.buckets[route][bisect.bisect_left(BUCKETS_S, seconds)] += 1
            self.sums[route] += seconds

    def count(self, event: str, n: int = 1) -> None:
        with self._lock:
            self.events[event] += n

    def render(
        self, gauges: dict[str, float] | None = None, info: dict[str, str] | None = None
    ) -> str:
        """The exposition text; `gauges` and `info` labels are added by the caller."""
        out = [
            "# HELP engage_http_requests_total HTTP requests by route, method and status.",
            "# TYPE engage_http_requests_total counter",
        ]
        with self._lock:
            for (route, method, status), n in sorted(self.requests.items()):
                out.append(
                    f'engage_http_requests_total{{route="{route}",method="{method}",'
                    f'status="{status}"}} {n}'
                )
            out += [
                "# HELP engage_http_request_duration_seconds Request latency by route.",
                "# TYPE engage_http_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self.buckets.items()):
                running = 0
                for bound, n in zip((*BUCKETS_S, float("inf")), counts, strict=True):
                    running += n
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    out.append(
                        f'engage_http_request_duration_seconds_bucket{{route="{route}",le="{le}"}} '
                        f"{running}"
                    )
                total = self.sums[route]
                out.append(f'engage_http_request_duration_seconds_sum{{route="{route}"}} {total}')
                out.append(
                    f'engage_http_request_duration_seconds_count{{route="{route}"}} {running}'
                )
            for event, n in sorted(self.events.items()):
                out += [f"# TYPE engage_{event}_total counter", f"engage_{event}_total {n}"]
        for name, value in (gauges or {}).items():
            out += [f"# TYPE engage_{name} gauge", f"engage_{name} {value}"]
        if info:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(info.items()))
            out += ["# TYPE engage_model_info gauge", f"engage_model_info{{{labels}}} 1"]
        return "\n".join(out) + "\n"

"""A small, bounded HTTP/1.1 load generator on raw asyncio sockets (keep-alive).

httpx or aiohttp spend more CPU per request than the server under test does, and on
a 2-core machine the generator shares the cores with it. Each of `concurrency`
connections sends its next request when the previous answer is complete (closed
loop) or, with `rate`, at its scheduled time (open loop); latency is measured from
the scheduled time, so queueing behind a slow answer is counted, not hidden.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Result:
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> dict:
        lat = np.asarray(self.latencies_s) * 1000.0
        done = len(lat)
        return {
            "requests": done,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(lat, 50)), 3) if done else None,
            "p95_ms": round(float(np.percentile(lat, 95)), 3) if done else None,
            "p99_ms": round(float(np.percentile(lat, 99)), 3) if done else None,
            "max_ms": round(float(lat.max()), 3) if done else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def request_bytes(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _worker(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    until: float,
    interval: float | None,
    offset: float,
    result: Result,
    counter: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    next_at = time.perf_counter() + offset
    try:
        while True:
            now = time.perf_counter()
            if interval is not None:
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                scheduled, next_at = next_at, next_at + interval
            else:
                scheduled = now
            if scheduled >= until:
                return
            counter[0] += 1
            writer.write(make(counter[0]))
            status = await _read_response(reader)
            result.latencies_s.append(time.perf_counter() - scheduled)
            result.statuses[status] += 1
    finally:
        writer.close()


async def run(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    seconds: float,
    concurrency: int = 32,
    rate: float | None = None,
) -> Result:
    """Drive the server for `seconds`; `rate` (requests/s over all connections) or closed loop."""
    result = Result()
    started = time.perf_counter()
    until = started + seconds
    interval = concurrency / rate if rate else None
    counter = [0]
    workers = [
        _worker(
            host, port, make, until, interval, (interval or 0) * i / concurrency, result, counter
        )
        for i in range(concurrency)
    ]
    await asyncio.gather(*workers)
    result.seconds = time.perf_counter() - started
    return result

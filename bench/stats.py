"""Latency statistics and a concurrent load runner shared by every benchmark."""
from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Dict, List


def percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Measurement:
    name: str
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    wall_seconds: float = 0.0
    concurrency: int = 1

    def summary(self) -> Dict[str, float]:
        count = len(self.latencies_ms)
        return {
            "name": self.name,
            "concurrency": self.concurrency,
            "requests": count + self.errors,
            "errors": self.errors,
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if count else float("nan"),
            "throughput_per_s": round(count / self.wall_seconds, 1) if self.wall_seconds else 0.0,
        }


async def run_concurrently(name: str, workers: int,
                           job: Callable[[int, Measurement], Awaitable[None]]) -> Measurement:
    """Run `job(worker_index, measurement)` in `workers` parallel tasks and time the whole."""
    measurement = Measurement(name, concurrency=workers)
    started = time.perf_counter()
    await asyncio.gather(*(job(i, measurement) for i in range(workers)))
    measurement.wall_seconds = time.perf_counter() - started
    return measurement


class Timer:
    """`async with Timer(m):` records the block's latency, or an error if it raises."""

    def __init__(self, measurement: Measurement) -> None:
        self.measurement = measurement

    async def __aenter__(self) -> "Timer":
        self.started = time.perf_counter()
        return self

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.measurement.latencies_ms.append((time.perf_counter() - self.started) * 1000)
        else:
            self.measurement.errors += 1
        return exc_type is not None and issubclass(exc_type, Exception)

"""Closed-loop load: ``concurrency`` clients, each sending its next request on an answer."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence

import httpx
import numpy as np

from lab.load.result import LoadResult
from lab.load.sync import run_sync


def closed_loop(url: str, path: str, bodies: Sequence[bytes], concurrency: int = 4,
                timeout: float = 30.0) -> LoadResult:
    """Send every body, ``concurrency`` at a time; latency from each actual send.

    The measure of maximum throughput. Its p99 is not the user's under overload: a client
    stuck on a slow answer sends nothing meanwhile, so the queue it would have met is never
    measured (coordinated omission) -- compare :func:`lab.load.open_loop`.
    """
    if concurrency < 1:
        raise ValueError("concurrency: must be at least 1")
    return run_sync(_run(url, path, bodies, concurrency, timeout))


async def _run(url, path, bodies, concurrency, timeout) -> LoadResult:
    latencies = np.zeros(len(bodies))
    statuses: Counter[str] = Counter()
    todo = iter(range(len(bodies)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:

        async def client_loop() -> None:
            for i in todo:
                sent = time.perf_counter()
                try:
                    response = await client.post(path, content=bodies[i], headers=headers)
                    status = str(response.status_code)
                except httpx.TimeoutException:
                    status = "timeout"
                except httpx.TransportError as exc:
                    status = type(exc).__name__
                latencies[i] = (time.perf_counter() - sent) * 1000
                statuses[status] += 1

        start = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return LoadResult("closed", len(bodies), seconds, latencies, dict(statuses))

"""Open-loop load: arrivals at a target rate, whatever the server's answers are doing."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx
import numpy as np

from lab.load.result import LoadResult
from lab.load.sync import run_sync

MAX_IN_FLIGHT = 512  # connections the generator may hold open; beyond, a request waits


def arrival_offsets(rates: float | Sequence[float], n: int | None = None,
                    seed: int = 0) -> np.ndarray:
    """Intended send times (seconds from the start) of Poisson arrivals.

    ``rates`` is one rate (requests/s) for ``n`` requests, or one rate per request (a
    surge is a rate that rises part-way): each gap is exponential with that request's rate.
    """
    per_request = np.full(n, float(rates)) if np.isscalar(rates) else np.asarray(rates, float)
    if n is not None and len(per_request) != n:
        raise ValueError(f"rates: {len(per_request)} rates for n={n} requests")
    if (per_request <= 0).any():
        raise ValueError("rates: every arrival rate must be > 0 requests/s")
    gaps = np.random.default_rng(seed).exponential(1.0 / per_request)
    return np.cumsum(gaps) - gaps[0]  # the first request goes at once


def open_loop(url: str, path: str, bodies: Sequence[bytes], rates: float | Sequence[float],
              seed: int = 0, timeout: float = 30.0,
              max_in_flight: int = MAX_IN_FLIGHT,
              hooks: Sequence[tuple[int, Callable[[], None]]] = (),
              on_answer: Callable[[int, int, bytes], None] | None = None) -> LoadResult:
    """POST ``bodies[i]`` to ``url + path`` at its Poisson arrival time; measure from then.

    A request the server has not answered after ``timeout`` s counts as status "timeout"
    with that latency: under overload, what the user waited is still in the percentiles.
    ``hooks`` are ``(i, fn)``: ``fn()`` runs (in a thread, awaited before returning) when
    request ``i`` is due -- a service fault's onset, such as a model promotion.
    ``on_answer(i, status, body)`` is called (on the event loop) as each answer arrives.
    """
    offsets = arrival_offsets(rates, len(bodies), seed)
    return run_sync(_run(url, path, bodies, offsets, timeout, max_in_flight,
                            None if not np.isscalar(rates) else float(rates), dict(hooks),
                            on_answer))


async def _run(url, path, bodies, offsets, timeout, max_in_flight, target,
               hooks, on_answer) -> LoadResult:
    latencies = np.zeros(len(bodies))
    lags = np.zeros(len(bodies))
    answered = np.empty(len(bodies), dtype=object)
    statuses: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=max_in_flight,
                          max_keepalive_connections=max_in_flight)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        start = time.perf_counter()
        started_at = datetime.now(UTC).replace(tzinfo=None)  # the same moment, on the wall

        async def one(i: int) -> None:
            intended = start + offsets[i]
            lags[i] = (time.perf_counter() - intended) * 1000
            try:
                response = await client.post(path, content=bodies[i], headers=headers)
                status = str(response.status_code)
                if on_answer is not None:
                    on_answer(i, response.status_code, response.content)
            except httpx.TimeoutException:
                status = "timeout"
            except httpx.TransportError as exc:
                status = type(exc).__name__
            # From the intended send time: a request the generator (or a full connection
            # pool) sent late still waited for the whole of it.
            latencies[i] = (time.perf_counter() - intended) * 1000
            answered[i] = status
            statuses[status] += 1

        tasks, side = [], []
        for i, offset in enumerate(offsets):
            delay = start + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if i in hooks:  # off the loop: the arrivals keep their schedule meanwhile
                side.append(asyncio.get_running_loop().run_in_executor(None, hooks[i]))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks, *side)
        seconds = time.perf_counter() - start
    return LoadResult("open", len(bodies), seconds, latencies, dict(statuses), target,
                      float(np.percentile(lags, 99)) if len(lags) else 0.0,
                      started_at=started_at, offsets_s=offsets, answered=answered)

"""The feature lookup in the request path, as slow as the lab's plan for the run says.

Private: the plan comes from the store's ``service_plans`` table (written by the lab before
a run, see :mod:`lab.service.slow_dependency`), never from a request, and nothing of it is
answered. A run without a plan waits for nothing.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from datetime import datetime
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

RECHECK_SECONDS = 2.0  # how long "no plan for this run" is believed before asking again

_plans: dict[str, tuple[dict[str, Any] | None, float]] = {}


async def lookup(state, run: str, event_time: datetime | None, request_key: str) -> None:
    """Wait as long as this request's feature lookup takes under the run's plan."""
    if not run:
        return
    plan = await _plan(state, run)
    if plan is None or plan.get("kind") != "slow_dependency":
        return
    wait_ms = lookup_ms(plan, event_time, request_key)
    if wait_ms > 0:
        await asyncio.sleep(wait_ms / 1000)


def lookup_ms(plan: dict[str, Any], event_time: datetime | None, request_key: str) -> float:
    """One lookup's time: before the onset ``base_ms`` (lightly spread), from it ``slow_ms``
    times a Pareto factor; drawn from the request key, so a replay waits the same."""
    rng = np.random.default_rng([int(plan.get("seed", 0)), zlib.crc32(request_key.encode())])
    onset = datetime.fromisoformat(plan["onset_time"])
    if event_time is None or event_time < onset:
        return float(plan["base_ms"]) * float(rng.lognormal(0.0, 0.25))
    return float(plan["slow_ms"]) * (1.0 + float(rng.pareto(plan["tail"])))


async def _plan(state, run: str) -> dict[str, Any] | None:
    cached = _plans.get(run)
    now = time.monotonic()
    if cached is not None and (cached[0] is not None or now - cached[1] < RECHECK_SECONDS):
        return cached[0]
    plan = await run_in_threadpool(state.store.service_plan, run)
    if len(_plans) > 10_000:  # a long-lived server meets many runs: forget the old ones
        _plans.clear()
    _plans[run] = (plan, now)
    return plan

"""Run a load generator's coroutine to completion from any caller.

``asyncio.run`` refuses to start inside a running event loop, which is where a Jupyter
kernel (or any async caller) already is. There the coroutine runs on a fresh loop in a
thread of its own, so ``open_loop`` and ``closed_loop`` are plain calls everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="driftlab-load") as pool:
        return pool.submit(asyncio.run, coroutine).result()

"""Long work in the app that a double click or a page rerun cannot start twice.

Streamlit stops a running script when the user clicks again, and reruns it from the top:
work done inline would be cut off half-way, and a second click would start it again (a
double click on Train registered two versions). Here the work runs in a thread of its
own, keyed in the session; a rerun finds it still running and waits for it instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="driftlab-app-job")


@dataclass
class Job:
    future: Future
    progress: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, value: Any) -> None:
        """Called from the worker thread: the newest progress value, read by the page."""
        with self._lock:
            self.progress = value

    def latest(self) -> Any:
        with self._lock:
            return self.progress

    @property
    def running(self) -> bool:
        return not self.future.done()


def running(key: str) -> bool:
    job = st.session_state.get(key)
    return isinstance(job, Job) and job.running


def start(key: str, work: Callable[..., Any], /, **kwargs: Any) -> Job:
    """Start ``work(progress=job.report, **kwargs)`` unless a job under ``key`` still runs."""
    job = st.session_state.get(key)
    if isinstance(job, Job) and job.running:
        return job
    job = Job(Future())
    job.future = _POOL.submit(work, progress=job.report, **kwargs)
    st.session_state[key] = job
    return job


def wait(key: str, render: Callable[[Any], None] | None = None, poll: float = 0.25) -> Any:
    """Wait for the job under ``key``, rendering its progress; return its result (or raise
    its error). The job is forgotten once it has finished."""
    job: Job = st.session_state[key]
    shown: Any = None

    def show_latest() -> None:
        nonlocal shown
        value = job.latest()
        if render is not None and value is not None and value is not shown:
            render(value)
            shown = value

    while job.running:
        show_latest()
        time.sleep(poll)
    st.session_state.pop(key, None)
    show_latest()  # the last progress, if it came after the last poll
    return job.future.result()

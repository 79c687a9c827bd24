"""CI pipeline runs; the label is whether the build failed.

The model scores a run when it is queued (to warn the author or to prioritise runners).
The causal story: big changes (files and lines touched) and dependency updates break
builds; a suite with known-flaky tests fails at random; a cold build cache makes
timeouts likelier; some repositories and runners are fragile; authors who broke recent
builds tend to break the next; nightly scheduled runs exercise the slow paths.
Queues are longest in office hours, and the weekend is quiet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.worlds.base import Feature, Schema
from lab.worlds.parts import (
    OFFICE_HOURS,
    WORKWEEK,
    CausalWorld,
    arrivals,
    blank,
    effect,
    log_ratio,
    long_tail,
    numeric,
)

REPOSITORIES = ("web-app", "api-gateway", "mobile-app", "data-platform", "auth-service",
                "billing-service", "infra", "design-system", "ml-models", "docs")
TRIGGERS = ("pull_request", "push", "merge_queue", "schedule", "manual")
RUNNERS = ("linux-small", "linux-large", "macos", "windows", "self-hosted")

REPOSITORY_EFFECT = {"web-app": 0.0, "api-gateway": 0.1, "mobile-app": 0.6,
                     "data-platform": 0.4, "auth-service": -0.2, "billing-service": 0.0,
                     "infra": 0.7, "design-system": -0.3, "ml-models": 0.8, "docs": -1.5}
TRIGGER_EFFECT = {"pull_request": 0.0, "push": 0.3, "merge_queue": -0.6, "schedule": 0.7,
                  "manual": 0.2}
RUNNER_EFFECT = {"linux-small": 0.0, "linux-large": -0.2, "macos": 0.4, "windows": 0.6,
                 "self-hosted": 0.8}

DEFAULT_WEIGHTS = {name: 1.0 for name in (
    "repository", "trigger", "runner", "files_changed", "lines_changed", "lockfile_changed",
    "flaky_tests", "cache_hit_ratio", "author_recent_failure_rate", "queue_minutes", "hour",
    "weekday")}

SCHEMA = Schema(
    target="failed",
    timestamp="queued_at",
    positive_label="failure",
    features=(
        Feature("repository", "categorical", "Repository of the run.", categories=REPOSITORIES),
        Feature("trigger", "categorical", "What started the run.", categories=TRIGGERS),
        Feature("runner", "categorical", "Runner pool the job was queued on.",
                categories=RUNNERS),
        Feature("files_changed", "numeric", "Files changed against the base branch.",
                integer=True, minimum=0),
        Feature("lines_changed", "numeric", "Lines added plus removed.", integer=True,
                minimum=0, unit="lines"),
        Feature("lockfile_changed", "numeric", "1 if a dependency lockfile changed, else 0.",
                integer=True, minimum=0, maximum=1),
        Feature("flaky_tests", "numeric", "Tests in the selected suite marked flaky.",
                integer=True, minimum=0),
        Feature("cache_hit_ratio", "numeric", "Share of build steps restored from the cache "
                "on the previous run (0-1); empty when the cache service did not answer.",
                nullable=True, minimum=0, maximum=1, unit="fraction"),
        Feature("author_recent_failure_rate", "numeric", "Share of the author's last 20 runs "
                "that failed; empty for authors with fewer than 5 runs.", nullable=True,
                minimum=0, maximum=1, unit="fraction"),
        Feature("queue_minutes", "numeric", "Minutes the run waited for a runner.",
                minimum=0, unit="minutes"),
        Feature("hour", "numeric", "Hour of day the run was queued (0-23).", integer=True,
                minimum=0, maximum=23, seasonal=True),
        Feature("weekday", "numeric", "Day of week (0 = Monday).", integer=True, minimum=0,
                maximum=6, seasonal=True),
    ),
)


class CIPipelines(CausalWorld):
    """CI pipeline runs; label = the build failed.

    Parameters
    ----------
    base_rate : share of runs that fail, averaged over the world's own P(x).
    runs_per_day : volume; sets how many days a frame of ``n`` rows spans.
    weights : multipliers of each feature's effect on the log-odds (1 = as designed).
    missing_scale : multiplies every designed missing share (0 = nothing missing).
    """

    kind = "ci_pipelines"
    title = "CI pipeline runs (label: build failure)"
    schema = SCHEMA
    per_day_param = "runs_per_day"
    default_weights = DEFAULT_WEIGHTS

    def __init__(self, base_rate: float = 0.14, runs_per_day: int = 1200,
                 weights: dict[str, float] | None = None, missing_scale: float = 1.0):
        self.base_rate = base_rate
        self.runs_per_day = runs_per_day
        self.weights = weights
        self.missing_scale = missing_scale
        self._validate()

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        queued = arrivals(n, self.runs_per_day, rng, start, OFFICE_HOURS, WORKWEEK)
        hour = queued.dt.hour.to_numpy()
        weekday = queued.dt.weekday.to_numpy()
        repository = rng.choice(REPOSITORIES, n, p=long_tail(REPOSITORIES, 0.8))
        trigger = rng.choice(TRIGGERS, n, p=[0.52, 0.23, 0.19, 0.01, 0.05])
        # Scheduled runs are the nightly ones.
        trigger = np.where((hour < 6) & (rng.random(n) < 0.6), "schedule", trigger)
        runner = np.where(repository == "mobile-app", "macos",
                          rng.choice(RUNNERS, n, p=[0.45, 0.25, 0.08, 0.10, 0.12]))
        files = rng.negative_binomial(0.8, 0.8 / (0.8 + 6.0), n)
        files = np.where(trigger == "schedule", 0, files)
        lines = np.round(files * rng.lognormal(3.3, 1.0, n)).astype(np.int64)
        lockfile = (rng.random(n) < 0.06 + 0.04 * (files > 10)).astype(np.int64)
        flaky = rng.poisson(np.where(np.isin(repository, ("mobile-app", "ml-models")), 3.0, 0.8))
        cache = rng.beta(6.0, 1.5, n) * np.where(lockfile == 1, 0.5, 1.0)
        cache = blank(cache.round(3), self._missing(0.04), rng)
        author = rng.beta(1.2, 8.0, n)
        author = blank(author.round(3), self._missing(0.08), rng)
        busy = OFFICE_HOURS[hour] * np.where(weekday >= 5, 0.3, 1.0)
        queue = np.round(rng.lognormal(np.log(0.5 + 0.6 * busy), 0.8), 1)
        return pd.DataFrame({
            "queued_at": queued,
            "repository": repository,
            "trigger": trigger,
            "runner": runner,
            "files_changed": files.astype(np.int64),
            "lines_changed": lines,
            "lockfile_changed": lockfile,
            "flaky_tests": flaky.astype(np.int64),
            "cache_hit_ratio": cache,
            "author_recent_failure_rate": author,
            "queue_minutes": queue,
            "hour": hour.astype(np.int64),
            "weekday": weekday.astype(np.int64),
        })

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        w = self.effective_weights
        cache = numeric(frame, "cache_hit_ratio")
        # An unanswered cache service usually means a cold cache.
        cold = 1.0 - np.where(np.isnan(cache), 0.3, cache)
        author = numeric(frame, "author_recent_failure_rate")
        author = np.where(np.isnan(author), 0.2, author)
        return (
            w["repository"] * effect(frame, "repository", REPOSITORY_EFFECT)
            + w["trigger"] * effect(frame, "trigger", TRIGGER_EFFECT)
            + w["runner"] * effect(frame, "runner", RUNNER_EFFECT)
            + w["files_changed"] * 0.3 * np.log1p(np.nan_to_num(numeric(frame, "files_changed")))
            + w["lines_changed"] * 0.25 * log_ratio(frame, "lines_changed", 100.0)
            + w["lockfile_changed"] * 1.1 * np.nan_to_num(numeric(frame, "lockfile_changed"))
            + w["flaky_tests"] * 0.35 * np.nan_to_num(numeric(frame, "flaky_tests"))
            + w["cache_hit_ratio"] * 1.8 * cold
            + w["author_recent_failure_rate"] * 3.5 * author
            + w["queue_minutes"] * 0.1 * log_ratio(frame, "queue_minutes", 3.0, floor=0.1)
            + w["hour"] * 0.3 * (numeric(frame, "hour") >= 18)
            + w["weekday"] * -0.2 * (numeric(frame, "weekday") >= 5)
        )

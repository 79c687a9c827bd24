"""Run the candidates' load tests and keep each one in the workspace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab import workspace as workspaces
from lab.config import get_settings
from lab.load.candidates import CandidateStep, choose_candidates, load_test_candidates
from lab.scenario import Scenario
from lab.workspace.loadtests import LoadTestBook, SavedLoadTest

DEFAULT_WORKERS, MAX_WORKERS = 2, 4
DEFAULT_REQUESTS = 600  # 15 s at 40/s: enough arrivals for a p99 that means something
MIN_REQUESTS, MAX_REQUESTS = 100, 20_000


class LoadTestError(ValueError):
    """A load test that cannot run as asked: names the field and what is allowed."""


@dataclass(frozen=True)
class Budget:
    p99_ms: float
    rate: float  # requests/s the budget holds at


def budget_of(scenario: Scenario) -> Budget | None:
    """The scenario's p99 budget and its rate, or None for a scenario without one. Both
    are in the brief a candidate reads, so showing them gives nothing away."""
    key = scenario.questions.answer.service
    if key is None or key.p99_budget_ms is None:
        return None
    return Budget(key.p99_budget_ms, key.rate or scenario.traffic_rate)


def run_load_tests(scenario: Scenario, kinds: list[str] | None = None,
                   workers: int = DEFAULT_WORKERS, rate: float | None = None,
                   requests: int = DEFAULT_REQUESTS, seed: int = 0,
                   train_rows: int | None = None, workspace: str | None = None,
                   progress: Callable[[CandidateStep], None] | None = None
                   ) -> list[SavedLoadTest]:
    """Load-test the chosen candidate kinds (all by default) with ``workers`` workers at
    ``rate`` (the budget's), one at a time, and save each test in the workspace."""
    budget = budget_of(scenario)
    if budget is None:
        raise LoadTestError(f"scenario {scenario.id!r} has no p99 budget to load-test against")
    try:
        candidates = choose_candidates(kinds)
    except ValueError as exc:
        raise LoadTestError(str(exc)) from None
    if not 1 <= workers <= MAX_WORKERS:
        raise LoadTestError(f"workers: {workers} not allowed; 1 to {MAX_WORKERS}")
    rate = float(rate or budget.rate)
    if not 0 < rate <= 1000:
        raise LoadTestError(f"rate: {rate:g} requests/s not allowed; more than 0, at most 1000")
    if not MIN_REQUESTS <= requests <= MAX_REQUESTS:
        raise LoadTestError(f"requests: {requests} not allowed; {MIN_REQUESTS} to "
                            f"{MAX_REQUESTS}")
    workspace = workspaces.validate(workspace or get_settings().workspace)
    say = progress or (lambda _step: None)
    saved = []
    for i, candidate in enumerate(candidates):
        # One candidate at a time, each saved as soon as it is measured: a later failure
        # (a server that would not start) keeps what was already learnt.
        def step(s: CandidateStep, i: int = i) -> None:
            say(CandidateStep(2 * i + s.done, 2 * len(candidates), s.text))

        (r,) = load_test_candidates(scenario, rate, requests, workers, seed, (candidate,),
                                    train_rows, workspace=workspace, progress=step,
                                    reuse=True)
        book = LoadTestBook()
        try:
            saved.append(book.record(
                workspace, scenario.id, kind=r.kind, model=r.model, version=r.version,
                workers=r.workers, rate=r.rate, requests=r.requests, seed=seed,
                throughput=r.throughput, p99_ms=r.p99_ms, server_p99_ms=r.server_p99_ms,
                cost_per_day=r.cost_per_day, errors=r.errors))
        finally:
            book.dispose()
    return saved

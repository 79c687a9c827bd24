"""The service-level parts of a sheet: the remedy, and the numbers a candidate states.

Only for a scenario whose key has a ``service`` block. The numbers are checked against the
candidate's own run (its monitoring's ``service`` sections, what the server logged), never
against a figure of the lab's: a p99 is right when the run shows it.

| part          | points | how |
|---------------|-------:|-----|
| remedy        | 10 | one of the key's accepted remedies |
| measured_p99  | 10 | the stated p99 matches the run's (within 10% or 5 ms) |
| budget        | 10 | with a budget: the run met it at (at least 90% of) the stated rate |

With a budget and the candidate's load tests in the evidence, the budget parts are judged
on those tests instead (lab.grade.budget: budget, measured_p99, expected_cost).
"""

from __future__ import annotations

from typing import Any

from lab.grade.answers import Answers
from lab.grade.evidence import RunEvidence
from lab.grade.scores import round_score
from lab.scenario import Scenario

WEIGHTS = {"remedy": 10, "measured_p99": 10, "budget": 10}
P99_TOLERANCE_MS, P99_RELATIVE = 5.0, 0.10
RATE_SHORTFALL = 0.9  # the run must have carried at least 90% of the rate stated


def _part(name: str, fraction: float, why: str):
    from lab.grade.core import Part

    return Part(name, round_score(WEIGHTS[name] * fraction), WEIGHTS[name], why)


def run_service(monitoring: dict[str, Any], after=None) -> dict[str, float | None]:
    """The run's p99 (the worst window's, from ``after`` on) and its carried rate."""
    import pandas as pd

    sections = [w["service"] for w in monitoring.get("windows", [])
                if w.get("service") and (after is None or pd.Timestamp(w["end"]) >= after)]
    p99s = [s["p99_ms"] for s in sections if s.get("p99_ms") is not None]
    seconds = sum(s["seconds"] for s in sections)
    requests = sum(s["requests"] for s in sections)
    return {"p99_ms": max(p99s) if p99s else None,
            "rate": requests / seconds if seconds else None}


def service_parts(scenario: Scenario, answers: Answers, evidence: RunEvidence) -> list:
    """The extra parts for a serving scenario (none for the others)."""
    key = scenario.questions.answer.service
    if key is None:
        return []
    parts = []
    if key.remedies:
        if answers.service_remedy is None:
            parts.append(_part("remedy", 0, "Unanswered: 0 points."))
        elif answers.service_remedy in key.remedies:
            parts.append(_part("remedy", 1, f"{answers.service_remedy}: right."))
        else:
            parts.append(_part("remedy", 0, f"{answers.service_remedy}: not what this "
                                            f"evidence calls for ({', '.join(key.remedies)})."))
    if key.p99_budget_ms is not None and evidence.load_tests is not None:
        # A model under a budget: judged on the candidate's own load tests (lab.grade.budget).
        return parts + _budget_from_load_tests(scenario, answers, evidence.load_tests)
    observed = run_service(evidence.monitoring,
                           None if key.p99_budget_ms else evidence.onset)
    parts.append(_measured(answers.measured_p99_ms, observed["p99_ms"]))
    if key.p99_budget_ms is not None:
        parts.append(_budget(answers, observed, key.p99_budget_ms, key.rate))
    return parts


def _budget_from_load_tests(scenario: Scenario, answers: Answers, tests: list) -> list:
    from lab.grade.budget import budget_parts
    from lab.load.candidates import candidate_kinds

    key = scenario.questions.answer.service
    return budget_parts(answers, tests, key.p99_budget_ms, key.rate or scenario.traffic_rate,
                        candidate_kinds())


def _measured(stated: float | None, seen: float | None):
    if stated is None:
        return _part("measured_p99", 0, "Unanswered: 0 points.")
    if seen is None:
        return _part("measured_p99", 0, "The run has no service figures to check it on.")
    close = abs(stated - seen) <= max(P99_TOLERANCE_MS, P99_RELATIVE * seen)
    return _part("measured_p99", 1 if close else 0,
                 f"You stated {stated:g} ms; the run's server logged p99 {seen:.1f} ms"
                 + (": it holds." if close else ": it does not hold."))


def _budget(answers: Answers, seen: dict[str, float | None], budget: float,
            rate: float | None):
    target = answers.measured_rate or rate
    if answers.chosen_model is None:
        return _part("budget", 0, "Unanswered: name the model (and workers) you chose.")
    if seen["p99_ms"] is None or seen["rate"] is None:
        return _part("budget", 0, "The run has no service figures to check the budget on.")
    carried = target is None or seen["rate"] >= RATE_SHORTFALL * min(target, rate or target)
    met = seen["p99_ms"] <= budget
    why = (f"{answers.chosen_model} with {answers.workers or 1} worker(s): p99 "
           f"{seen['p99_ms']:.1f} ms against a budget of {budget:g} ms at "
           f"{seen['rate']:.1f} requests/s carried" + (f" (asked: {rate:g})" if rate else ""))
    if not carried:
        return _part("budget", 0, why + ": the run did not carry the stated rate.")
    return _part("budget", 1 if met else 0, why + (": met." if met else ": missed."))


"""A model under a p99 budget, graded against the candidate's own load tests.

The sheet names a model kind, its workers and the p99 measured; the load tests are those the
candidate ran and saved in their workspace (``lab.workspace.loadtests``). The choice is
judged on the newest test of that model x workers run at (at least 90% of) the budget's rate.

| part          | points | how |
|---------------|-------:|-----|
| budget        | 10 | that test's p99 (from intended send times) met the budget, without errors |
| measured_p99  | 10 | the stated p99 matches that test's (within 10% or 5 ms) |
| expected_cost | 10 | the lowest expected cost per day among the tests that met the budget (1%), |
|               |    | every candidate model having been load-tested at the rate |
"""

from __future__ import annotations

from typing import Any

from lab.grade.answers import Answers
from lab.grade.scores import round_score

WEIGHTS = {"budget": 10, "measured_p99": 10, "expected_cost": 10}
RATE_SHORTFALL = 0.9
P99_TOLERANCE_MS, P99_RELATIVE = 5.0, 0.10
COST_RELATIVE = 0.01
NO_TESTS = ("you have no saved load test of this scenario: run the Load test panel in the "
            "production step, or `driftlab loadtest`")


STRESS = 1.25  # a test run this far above the budget's rate is a stress test


def _part(name: str, fraction: float, why: str):
    from lab.grade.core import Part

    return Part(name, round_score(WEIGHTS[name] * fraction), WEIGHTS[name], why)


def kind_of(chosen: str, kinds: list[str]) -> str:
    """The model kind a sheet names: the kind itself or a candidate's registered name
    (``alice.sla-latency-budget--hist-gradient-boosting``)."""
    text = chosen.strip()
    for kind in kinds:
        if text == kind or text.endswith("--" + kind.replace("_", "-")):
            return kind
    return text


def newest_at_rate(tests: list[dict[str, Any]], rate: float) -> dict[tuple[str, int], dict]:
    """The newest test of each model x workers among those run at the budget's rate.

    A test near the rate (up to 25% over) wins over a newer one far above it: a stress test
    at three times the rate, run after the test that met the budget, does not replace it.
    """
    out: dict[tuple[str, int], dict] = {}
    near = [t for t in tests if t["rate"] >= RATE_SHORTFALL * rate]
    for t in sorted(near, key=lambda t: (t["rate"] <= STRESS * rate, t["id"])):
        out[(t["kind"], t["workers"])] = t
    return out


def met(test: dict[str, Any], budget: float) -> bool:
    return test["p99_ms"] is not None and not test["errors"] and test["p99_ms"] <= budget


def budget_parts(answers: Answers, tests: list[dict[str, Any]], budget: float, rate: float,
                 kinds: list[str]) -> list:
    """The three parts, each with its explanation."""
    if answers.chosen_model is None:
        why = "Unanswered: name the model and the workers you would ship."
        return [_part(name, 0, why) for name in WEIGHTS]
    if not tests:
        why = f"Not checkable: {NO_TESTS}."
        return [_part(name, 0, why) for name in WEIGHTS]
    kind, workers = kind_of(answers.chosen_model, kinds), answers.workers or 1
    at_rate = newest_at_rate(tests, rate)
    test = at_rate.get((kind, workers))
    choice = f"{kind} with {workers} worker(s)"
    if test is None:
        tried = ", ".join(f"{k} x{w}" for k, w in sorted(at_rate)) or "none"
        why = (f"You never load-tested {choice} at {RATE_SHORTFALL * rate:g} requests/s or "
               f"more (the budget is at {rate:g}/s); what you tested at the rate: {tried}.")
        return [_part(name, 0, why) for name in WEIGHTS]
    return [_budget(test, choice, budget), _measured(answers.measured_p99_ms, test),
            _cost(test, choice, at_rate, budget, rate, kinds)]


def _budget(test: dict[str, Any], choice: str, budget: float):
    seen = (f"your load test #{test['id']} of {choice} at {test['rate']:g}/s (carried "
            f"{test['throughput']:.1f}/s): p99 {_ms(test['p99_ms'])} against a budget of "
            f"{budget:g} ms")
    seen = seen[0].upper() + seen[1:]
    if test["errors"]:
        return _part("budget", 0, f"{seen}, with {test['errors']} errors: missed.")
    ok = met(test, budget)
    return _part("budget", ok, seen + (": met." if ok else ": missed."))


def _measured(stated: float | None, test: dict[str, Any]):
    if stated is None:
        return _part("measured_p99", 0, "Unanswered: 0 points.")
    seen = test["p99_ms"]
    if seen is None:
        return _part("measured_p99", 0, "That load test has no latencies to check it on.")
    if abs(stated - seen) <= max(P99_TOLERANCE_MS, P99_RELATIVE * seen):
        return _part("measured_p99", 1, f"You stated {stated:g} ms; your load test measured "
                                        f"{seen:.1f} ms: it holds.")
    server = test.get("server_p99_ms")
    if server is not None and abs(stated - server) <= max(P99_TOLERANCE_MS,
                                                          P99_RELATIVE * server):
        return _part("measured_p99", 0, f"You stated {stated:g} ms, the server's own p99 "
                                        f"({server:.1f} ms); a caller waits from the intended "
                                        f"send time: {seen:.1f} ms.")
    return _part("measured_p99", 0, f"You stated {stated:g} ms; your load test measured "
                                    f"{seen:.1f} ms: it does not hold.")


def _cost(test: dict[str, Any], choice: str, at_rate: dict, budget: float, rate: float,
          kinds: list[str]):
    untested = sorted(set(kinds) - {k for k, _w in at_rate})
    if untested:
        return _part("expected_cost", 0, f"Not every candidate was load-tested at {rate:g}/s "
                                         f"(missing: {', '.join(untested)}): the cheapest "
                                         "within the budget is a comparison of all of them.")
    within = [t for t in at_rate.values() if met(t, budget)]
    if not within:
        return _part("expected_cost", 0, "None of your load tests met the budget: add "
                                         "workers, or a lighter model, and test again.")
    best = min(within, key=lambda t: t["cost_per_day"])
    cheapest = (f"{best['kind']} with {best['workers']} worker(s) met it at "
                f"{best['cost_per_day']:,.0f} a day")
    if not met(test, budget):
        return _part("expected_cost", 0, f"{choice} missed the budget; {cheapest}.")
    if test["cost_per_day"] <= best["cost_per_day"] * (1 + COST_RELATIVE):
        return _part("expected_cost", 1, f"{choice}: {test['cost_per_day']:,.0f} a day, the "
                                         "lowest expected cost among your tests that met the "
                                         "budget.")
    return _part("expected_cost", 0, f"{choice} costs {test['cost_per_day']:,.0f} a day; "
                                     f"{cheapest}.")


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} ms"

"""The load tests as one table: what the app shows, the CLI prints and the plot draws."""

from __future__ import annotations

from typing import Any

import pandas as pd

# A test counts for the budget only at (at least 90% of) the rate the budget is stated at.
RATE_SHORTFALL = 0.9
COLUMNS = ["model", "workers", "rate /s", "carried /s", "p99 ms", "server p99 ms",
           "cost /day", "budget", "errors", "tested at", "requests"]


def as_dict(test: Any) -> dict[str, Any]:
    return test if isinstance(test, dict) else test.to_dict()


def latest_per_choice(tests: list[Any]) -> list[dict[str, Any]]:
    """The newest test of each model x workers (every test stays saved; a choice is judged
    on what its newest test showed)."""
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for test in sorted((as_dict(t) for t in tests), key=lambda t: t["id"]):
        latest[(test["kind"], test["workers"])] = test
    return list(latest.values())


def verdict(test: dict[str, Any], budget_ms: float, budget_rate: float) -> str:
    """Met, missed by how much, or not measured at the budget's rate."""
    if test["rate"] < RATE_SHORTFALL * budget_rate:
        return f"not at {budget_rate:g}/s"
    if test["p99_ms"] is None or test["errors"]:
        return f"{test['errors']} errors"
    over = test["p99_ms"] - budget_ms
    return "met" if over <= 0 else f"missed (+{over:,.0f} ms)"


def load_test_table(tests: list[Any], budget_ms: float, budget_rate: float) -> pd.DataFrame:
    """One row per model x workers (its newest test), cheapest first."""
    rows = []
    for t in latest_per_choice(tests):
        rows.append({"model": t["kind"], "workers": t["workers"], "rate /s": t["rate"],
                     "carried /s": round(t["throughput"], 1),
                     "p99 ms": _round(t["p99_ms"]), "server p99 ms": _round(t["server_p99_ms"]),
                     "cost /day": round(t["cost_per_day"], 0),
                     "budget": verdict(t, budget_ms, budget_rate), "errors": t["errors"],
                     "tested at": str(t["started_at"])[:19].replace("T", " "),
                     "requests": t["requests"]})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["cost /day", "model", "workers"], ignore_index=True)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)

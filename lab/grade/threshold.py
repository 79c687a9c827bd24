"""The threshold part, scored the way the scenario's debrief argues.

Each answer key states its operating-point rule:

- ``clean-data``: after a pipeline fault the fix is the feed, not the model, so the right
  threshold is the one that is best on clean data (the champion's validation split);
  regret is measured there.
- ``re-optimise``: after a prior or concept shift (or a genuine change of the inputs) the
  right threshold is the best one on the current labelled production since the onset.

Either way the review capacity holds: the best point is chosen within it, and a threshold
that breaks it loses points in proportion to the excess instead of all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.evaluation import OperatingPoint, choose_threshold, point_at

REGRET_HALF = 0.10     # 10% more cost than the best scores half the points (smoothly)
EXCESS_FOR_ZERO = 0.5  # alerting 50% over capacity scores nothing; 4% over loses 8%
RULE_DATA = {"clean-data": "clean data (the champion's validation split)",
             "re-optimise": "current labelled production (since the onset, if any)"}


@dataclass(frozen=True)
class ThresholdCheck:
    fraction: float  # of the part's points
    best: OperatingPoint
    yours: OperatingPoint
    regret: float
    why: str


def regret_score(relative_regret: float) -> float:
    """1 at no regret, 0.5 at REGRET_HALF, falling smoothly: no cliff anywhere."""
    return 1.0 / (1.0 + (max(0.0, relative_regret) / REGRET_HALF) ** 2)


def capacity_score(alerts_per_day: float, capacity: float | None) -> float:
    if capacity is None or alerts_per_day <= capacity:
        return 1.0
    return max(0.0, 1.0 - (alerts_per_day - capacity) / capacity / EXCESS_FOR_ZERO)


def check_threshold(threshold: float, rule: str, y, scores, fp_cost: float, fn_cost: float,
                    rows_per_day: float, capacity: float | None,
                    currency: str = "EUR") -> ThresholdCheck:
    best = choose_threshold(y, scores, fp_cost, fn_cost, rows_per_day, capacity)
    yours = point_at(y, scores, threshold, fp_cost, fn_cost, rows_per_day)
    extra = max(0.0, yours.cost - best.cost)
    regret = extra / best.cost if best.cost > 0 else float(extra > 0)
    by_regret = regret_score(regret)
    by_capacity = capacity_score(yours.alerts_per_day, capacity)
    why = (f"Judged on {RULE_DATA[rule]}: your threshold {yours.threshold:.3f} costs "
           f"{yours.cost_per_day:,.0f} {currency} a day; the best"
           f"{' within capacity' if capacity else ''}, {best.threshold:.3f}, costs "
           f"{best.cost_per_day:,.0f} (regret {regret:.1%}; {REGRET_HALF:.0%} scores half).")
    if by_capacity < 1.0:
        excess = yours.alerts_per_day - capacity
        why += (f" It alerts {yours.alerts_per_day:,.0f} tickets a day, {excess:,.0f} over the "
                f"review capacity of {capacity:,.0f} ({excess / capacity:.0%} over; "
                f"{EXCESS_FOR_ZERO:.0%} over scores nothing).")
    return ThresholdCheck(by_regret * by_capacity, best, yours, regret, why)

"""The outcome part: what the remedy did to the week after it, as regret against the best.

Only when the candidate applied a remedy (:mod:`lab.remediation`). Every remedy runs on the
same next week; the part scores the cost per day of the one applied against the cheapest,
with the threshold part's smooth rule (no regret: all points; 10% over the best: half).

| part    | points | how |
|---------|-------:|-----|
| outcome | 10 | regret of the week's cost per day against the best remedy's |
"""

from __future__ import annotations

from lab.grade.scores import round_score
from lab.grade.threshold import REGRET_HALF, regret_score

WEIGHT = 10
# Why a remedy does what it does, in the debrief's words (by the key's action).
EXPLAIN = {
    "retrain": "retraining on a broken feed teaches the model to live without the feature; "
               "after a real change of P(y|x) it is the way back",
    "fix-pipeline": "fixing the feed gives the model back the inputs it was trained on; it "
                    "cannot undo a real change of the world",
    "re-threshold": "re-thresholding after a prior shift recovers the cost-optimal "
                    "trade-off without touching the model",
    "nothing": "doing nothing is right when the shift does not hurt the model",
    "roll-back": "rolling back helps only when the previous model was better on this data",
    "promote": "promoting a challenger is only as good as the challenger",
}


def outcome_part(cost_per_day: float, evaluation, remedy: str):
    """The ``outcome`` part for ``remedy``, which cost ``cost_per_day`` on the next week,
    against ``evaluation`` (a :class:`lab.remediation.RemedyEvaluation` of the same week)."""
    from lab.grade.core import Part

    best = evaluation.best
    best_cost = evaluation.outcomes[best].cost_per_day
    extra = max(0.0, cost_per_day - best_cost)
    relative = extra / best_cost if best_cost > 0 else float(extra > 0)
    fraction = regret_score(relative)
    action = remedy.split(":", 1)[0]
    why = (f"{remedy}: {cost_per_day:,.0f} a day over the next week; the best remedy on the "
           f"same traffic, {best}, {best_cost:,.0f} (regret {extra:,.0f} a day, "
           f"{relative:.1%}; {REGRET_HALF:.0%} scores half).")
    from lab.remediation.evaluate import explain

    because = explain(evaluation, remedy) if remedy in evaluation.outcomes else ""
    because = because or EXPLAIN.get(action, "")
    if because:
        why += f" {because[0].upper()}{because[1:]}."
    return Part("outcome", round_score(WEIGHT * fraction), WEIGHT, why)

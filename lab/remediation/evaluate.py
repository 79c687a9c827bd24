"""Every remedy on the same next week: realised precision, recall and cost per day, and
the regret of the one chosen against the best.

Pure: one seeded scenario in, a table out; no MLflow, no server. The live model is the one
:func:`lab.train.train` would register for the seed (or the one given). The remedies:

| remedy | what runs the next week |
|---|---|
| `nothing` | the live model at its threshold, the faults going on |
| `fix-pipeline` | the same model and threshold; the feed fixed ``fixed_at`` into the week |
| `re-threshold` | the live model at the least-cost threshold (within capacity) on the
  labelled production rows since the onset |
| `retrain` | a refit on the reference and the labelled production rows so far |
| `retrain:production` | a refit on the labelled production rows since the onset only |
| `roll-back` | the previous model at its threshold (only when one is given) |

The onset is the fault's, from the truth: where a good diagnosis puts the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lab.evaluation import choose_threshold
from lab.remediation.outcome import Outcome, decide, realised
from lab.remediation.retrain import Live, RemedyError, fit_live, refit, training_data
from lab.remediation.week import Span, labelled, next_week, so_far, span_of
from lab.scenario import Scenario

REMEDIES = ("nothing", "fix-pipeline", "re-threshold", "retrain", "retrain:production",
            "roll-back")


def action_of(remedy: str) -> str:
    """The answer key's action for a remedy (``retrain:production`` is a ``retrain``)."""
    return remedy.split(":", 1)[0]


@dataclass
class RemedyEvaluation:
    scenario: str
    seed: int
    accepted: list[str]  # the key's actions
    before: Outcome  # the live model on the production run
    outcomes: dict[str, Outcome]  # remedy -> the next week
    chosen: str | None = None
    onset: pd.Timestamp | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # What happened, for the debrief's explanations: each fault's kind, category, stage
    # and the features it touched (from the truth of the run).
    faults: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best(self) -> str:
        """The remedy with the least cost per day (ties: the earlier in REMEDIES, so doing
        less wins a tie)."""
        return min(self.outcomes, key=lambda r: (round(self.outcomes[r].cost_per_day, 6),
                                                 REMEDIES.index(r)))

    def regret(self, remedy: str | None = None) -> float:
        """Cost per day of ``remedy`` (the chosen one by default) above the best's."""
        remedy = remedy or self.chosen
        if remedy not in self.outcomes:
            raise RemedyError(f"remedy: {remedy!r} was not evaluated; evaluated: "
                              f"{list(self.outcomes)}")
        return self.outcomes[remedy].cost_per_day - self.outcomes[self.best].cost_per_day

    def best_accepted(self) -> str | None:
        """The cheapest of the remedies the key accepts."""
        ok = [r for r in self.outcomes if action_of(r) in self.accepted]
        return min(ok, key=lambda r: self.outcomes[r].cost_per_day) if ok else None

    def table(self) -> pd.DataFrame:
        """Every remedy side by side: the debrief's table."""
        rows = []
        for name, o in self.outcomes.items():
            rows.append({"remedy": name, "accepted": action_of(name) in self.accepted,
                         "precision": o.precision, "recall": o.recall,
                         "alerts_per_day": o.alerts_per_day,
                         "cost_per_day": o.cost_per_day, "regret_per_day": self.regret(name),
                         "threshold": self.thresholds.get(name), "note": o.note,
                         "why": explain(self, name)})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "seed": self.seed, "accepted": self.accepted,
                "chosen": self.chosen, "best": self.best,
                "regret_per_day": (self.regret() if self.chosen in self.outcomes
                                   else None),
                "onset": None if self.onset is None else str(self.onset),
                "before": self.before.to_dict(),
                "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
                "thresholds": self.thresholds, "notes": self.notes,
                "explanations": {r: explain(self, r) for r in self.outcomes}}


def onset_of(truths) -> pd.Timestamp | None:
    times = [pd.Timestamp(t.onset_time) for t in truths
             if t.onset_time and t.stage == "production" and t.category != "service"]
    return min(times) if times else None


def evaluate_remedies(scenario: Scenario, seed: int = 0, rows: int | None = None,
                      reference_rows: int | None = None, live: Live | None = None,
                      previous: Live | None = None, chosen: str | None = None,
                      fixed_at: float = 0.0, remedies: tuple[str, ...] | None = None
                      ) -> RemedyEvaluation:
    """Every remedy (or those named) on the week after the seeded production run.

    ``rows`` and ``reference_rows`` are the sizes the candidate's run used; ``live`` the
    model serving it (trained here for the seed when not given); ``previous`` the model
    before it, for ``roll-back``; ``chosen`` the candidate's remedy, for its regret.
    """
    wanted = tuple(remedies or [r for r in REMEDIES if r != "roll-back" or previous])
    unknown = [r for r in (*wanted, *([chosen] if chosen else [])) if r not in REMEDIES]
    if unknown:
        raise RemedyError(f"remedy: {unknown[0]!r} is not one; allowed: {list(REMEDIES)}")
    if "roll-back" in wanted and previous is None:
        raise RemedyError("remedy: roll-back needs the previous model (none was given)")
    live = live or fit_live(scenario, seed, reference_rows)
    span = span_of(scenario, seed, rows, reference_rows)
    names = scenario.world_.schema.names
    seen = so_far(span)
    onset = onset_of(seen.truths)
    _, before_alerts = decide(live.pipeline, seen.frame, names, live.threshold)
    evaluation = RemedyEvaluation(scenario.id, seed, list(scenario.questions.answer.actions),
                                  realised("before", seen.frame, before_alerts, scenario),
                                  {}, chosen, onset)
    evaluation.faults = [{"category": t.category, "features": list(t.features),
                          "kind": t.kind, "stage": t.stage}
                         for t in seen.truths if t.category != "service"]
    faulty = next_week(span).frame
    for remedy in wanted:
        model, threshold, frame, note = _remedied(remedy, span, live, previous, onset,
                                                  seen.frame, faulty, fixed_at)
        if model is None:
            evaluation.notes.append(f"{remedy}: {note}")
            continue
        _, alerts = decide(model, frame, names, threshold)
        evaluation.outcomes[remedy] = realised(remedy, frame, alerts, scenario, note)
        evaluation.thresholds[remedy] = float(threshold)
    if chosen is not None and chosen not in evaluation.outcomes:
        raise RemedyError(f"remedy: {chosen!r} could not be evaluated "
                          f"({'; '.join(evaluation.notes)})")
    return evaluation


def _remedied(remedy, span: Span, live: Live, previous: Live | None, onset, seen: pd.DataFrame,
              faulty: pd.DataFrame, fixed_at: float):
    """(model, threshold, next-week frame, note) of one remedy; model None: not possible."""
    scenario = span.scenario
    if remedy == "nothing":
        return live.pipeline, live.threshold, faulty, ""
    if remedy == "fix-pipeline":
        fixed = next_week(span, fixed_at=fixed_at)
        if not any("fixed_from_row" in t.details for t in fixed.truths):
            return (live.pipeline, live.threshold, fixed.frame,
                    "nothing to fix: no fault of the feed (the same week as doing nothing)")
        return (live.pipeline, live.threshold, fixed.frame,
                f"feed fixed {fixed_at:.0%} into the week")
    if remedy == "roll-back":
        return previous.pipeline, previous.threshold, faulty, "the previous model"
    if remedy == "re-threshold":
        threshold, note = rethreshold(scenario, span, live, seen, onset)
        return (live.pipeline if threshold is not None else None), threshold, faulty, note
    source, since = ("both", None) if remedy == "retrain" else ("production", onset)
    data = training_data(span, source, live, since=since)
    try:
        pipeline, point = refit(scenario, data, span.seed)
    except RemedyError as exc:
        return None, None, faulty, str(exc)
    where = f" since {since:%Y-%m-%d %H:%M}" if since is not None else ""
    return pipeline, point.threshold, faulty, (
        f"refit on {data.reference_rows} reference + {data.production_rows} labelled "
        f"production rows{where}")


def rethreshold(scenario: Scenario, span: Span, live: Live, seen: pd.DataFrame,
                since: pd.Timestamp | None) -> tuple[float | None, str]:
    """The live model's least-cost threshold (within capacity) on the production rows
    labelled by the end of the run, from ``since`` on."""
    schema, costs = scenario.world_.schema, scenario.costs
    scores, alerts = decide(live.pipeline, seen, schema.names, live.threshold)
    keep = labelled(seen, scenario, span.end, alerts)
    if since is not None:
        keep &= (seen[schema.timestamp] >= since).to_numpy()
    y = seen[schema.target].to_numpy()[keep]
    if len(y) < 50 or y.min() == y.max():
        return None, (f"only {len(y)} labelled rows of production to choose a threshold on "
                      "(both classes needed)")
    point = choose_threshold(y, scores[keep], costs.false_positive, costs.false_negative,
                             scenario.world_.rows_per_day, costs.review_capacity_per_day)
    return point.threshold, f"threshold re-chosen on {len(y)} labelled production rows"


def explain(evaluation: RemedyEvaluation, remedy: str) -> str:
    """Why ``remedy`` did what it did on this week, in the debrief's words."""
    kinds = {f["category"] for f in evaluation.faults if f.get("stage") != "training"}
    learnt = sorted({x for f in evaluation.faults if f.get("stage") == "training"
                     for x in f["features"]})
    features = sorted({x for f in evaluation.faults if f["category"] == "pipeline"
                       and f.get("stage") != "training" for x in f["features"]})
    broken = ", ".join(features) or "the broken input"
    action = action_of(remedy)
    cost = evaluation.outcomes[remedy].cost_per_day if remedy in evaluation.outcomes else None
    nothing = evaluation.outcomes.get("nothing")
    gain = (None if cost is None or nothing is None or not nothing.cost_per_day
            else 1 - cost / nothing.cost_per_day)
    saved = ""
    if gain is not None and action != "nothing":
        saved = (f" (saves {gain:.0%} a day against doing nothing)" if gain >= 0.005 else
                 f" (costs {-gain:.0%} a day more than doing nothing)" if gain <= -0.005 else
                 " (about what doing nothing costs)")
    if learnt:
        leak = ", ".join(learnt)
        text = {"retrain": f"the model learnt from {leak} recorded after the outcome; mixed "
                           "with the leaky reference, production's rows only dilute the leak",
                "retrain:production": f"the model learnt from {leak} recorded after the "
                                      "outcome; production's rows, where it is not, teach "
                                      "what really predicts",
                "fix-pipeline": f"production's feed is fine: the leak of {leak} was in the "
                                "training data",
                "re-threshold": "a new threshold eases the cost; it cannot undo what a leak "
                                "taught the model",
                "nothing": "the model keeps leaning on a signal production never has"}
    elif "pipeline" in kinds or "labels" in kinds:
        text = {"fix-pipeline": f"fixing the feed gives the model back {broken} as it learnt it",
                "retrain": f"retraining on the broken feed teaches the model to live without "
                           f"{broken}: it recovers part of the loss, never what the fix does",
                "re-threshold": "a new threshold moves the alerts, not what the broken input "
                                "hides",
                "nothing": "the fault goes on and so does its cost"}
        if "pipeline" not in kinds:
            text["fix-pipeline"] = ("fixing the label feed restores what the monitor sees; "
                                    "the decisions were never affected")
    elif "prior" in kinds:
        text = {"re-threshold": "after a prior shift the ranking still holds: a threshold "
                                "re-chosen on current labels recovers the cost-optimal trade-off",
                "retrain": "a refit learns the new base rate too, at the price of a new model",
                "fix-pipeline": "nothing in the feed is broken: the base rate really moved",
                "nothing": "the old threshold is wrong for the new base rate"}
    elif "concept" in kinds:
        text = {"retrain": "after a real change of P(y|x) only rows from after the change "
                           "teach the new relationship; mixed with the old reference they are "
                           "outvoted",
                "re-threshold": "a threshold cannot fix a ranking that no longer matches the "
                                "outcome",
                "fix-pipeline": "nothing in the feed is broken: the world changed",
                "nothing": "the model keeps ranking by a relationship that no longer holds"}
    elif nothing is not None and _best_saving(evaluation) < BENIGN_SAVING:
        text = {"nothing": "the data moved (or only wiggled) and the model's decisions held",
                "retrain": "retraining buys about nothing when the shift does not hurt",
                "re-threshold": "the old threshold is still about right",
                "fix-pipeline": "there is nothing to fix"}
    else:
        text = {"retrain": "inputs the model never learnt: rows from after the change teach "
                           "them",
                "re-threshold": "a new threshold moves the alerts; it does not teach the model "
                                "the new inputs",
                "fix-pipeline": "nothing in the feed is broken: the inputs really changed",
                "nothing": "the model keeps scoring inputs it never learnt"}
    text.setdefault("roll-back", "the previous model, on the same traffic")
    return text.get(remedy, text.get(action, "")) + saved


BENIGN_SAVING = 0.03  # no remedy saves 3% a day: the change did not hurt the model


def _best_saving(evaluation: RemedyEvaluation) -> float:
    nothing = evaluation.outcomes["nothing"].cost_per_day
    best = min(o.cost_per_day for o in evaluation.outcomes.values())
    return 1 - best / nothing if nothing else 0.0


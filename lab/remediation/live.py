"""A remedy applied to a workspace's live model, and the next week run through the real
server: the server loads ``@champion`` (with its deployed threshold), the week's traffic
goes over HTTP, and the outcome is read from the server's own decisions.

Beside it, every remedy is evaluated on the same week (:func:`evaluate_remedies`), so the
outcome comes with its regret against the best, and the grade's outcome part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pandas as pd

from lab import tracking
from lab import workspace as workspaces
from lab.config import get_settings
from lab.remediation.evaluate import RemedyEvaluation, evaluate_remedies, onset_of, rethreshold
from lab.remediation.lifecycle import (
    Challenger,
    live_model,
    promote,
    retrain_challenger,
    roll_back,
    set_live_threshold,
)
from lab.remediation.outcome import Outcome, decide, realised
from lab.remediation.retrain import SOURCES, RemedyError
from lab.remediation.week import next_week, so_far, span_of
from lab.scenario import Scenario

ACTIONS = ("nothing", "fix-pipeline", "re-threshold", "retrain", "promote", "roll-back")
SHADOW_SCORES = "shadow/scores.csv"  # the challenger's scores on the week, on its run


@dataclass
class RemedyRun:
    scenario: str
    model: str
    remedy: str
    run: str  # the next week's prediction run
    champion_before: int | None
    champion_after: int | None
    before: Outcome  # the production run, live model before the remedy
    after: Outcome  # the next week, as the server decided it
    evaluation: RemedyEvaluation  # every remedy on the same week
    regret_per_day: float
    challenger: Challenger | None = None
    shadow: Outcome | None = None  # the challenger on the same week, when not promoted
    notes: list[str] = field(default_factory=list)

    def per_day(self) -> pd.DataFrame:
        """Cost per day before (the production run's last week) and after (next week), and
        the challenger's in shadow on the same days."""
        before = self.before.per_day.tail(7).reset_index(drop=True)
        after = self.after.per_day.reset_index(drop=True)
        later = pd.DataFrame({"day_after": after["day"].dt.date, "cost_after": after["cost"]})
        if self.shadow is not None:
            later["cost_shadow"] = self.shadow.per_day["cost"].to_numpy()
        frame = pd.DataFrame({"day_before": before["day"].dt.date,
                              "cost_before": before["cost"]}).join(later, how="outer")
        return frame.astype(object).where(frame.notna(), None)

    def outcome_part(self):
        from lab.grade.outcome import outcome_part

        return outcome_part(self.after.cost_per_day, self.evaluation, self.remedy)

    def to_dict(self) -> dict[str, Any]:
        part = self.outcome_part()
        return {"scenario": self.scenario, "model": self.model, "remedy": self.remedy,
                "run": self.run, "champion": {"before": self.champion_before,
                                              "after": self.champion_after},
                "before": self.before.to_dict(), "after": self.after.to_dict(),
                "regret_per_day": self.regret_per_day,
                "grade": {"part": part.name, "points": part.points, "maximum": part.maximum,
                          "why": part.why},
                "challenger": None if self.challenger is None else {
                    "version": self.challenger.version, "run_id": self.challenger.run_id,
                    "lineage": self.challenger.lineage},
                "shadow": None if self.shadow is None else self.shadow.to_dict(),
                "evaluation": self.evaluation.to_dict(), "notes": self.notes}


def apply_remedy(scenario: Scenario, remedy: str, *, workspace: str | None = None,
                 seed: int | None = None, rows: int | None = None,
                 reference_rows: int | None = None, fixed_at: float = 0.0,
                 threshold: float | None = None, data: str = "both",
                 since: pd.Timestamp | str | None = None, until: pd.Timestamp | str | None = None,
                 promote_challenger: bool = True, url: str | None = None,
                 on_step=None) -> RemedyRun:
    """Apply ``remedy`` to the workspace's model of ``scenario`` and run the next week.

    ``seed``, ``reference_rows`` default to the champion's own (its card), ``rows`` to the
    scenario's production size: the run the candidate diagnosed. ``url`` is a running
    server to use (it is told to reload); by default one is started for the week.
    """
    say = on_step or (lambda _s: None)
    if remedy not in ACTIONS:
        raise RemedyError(f"remedy: {remedy!r} is not allowed; allowed: {list(ACTIONS)}")
    if data not in SOURCES:
        raise RemedyError(f"data: {data!r} is not allowed; allowed: {list(SOURCES)}")
    name = workspaces.model_name(scenario.id, workspace or get_settings().workspace)
    try:
        live, card = live_model(name)
    except tracking.NoChampion:
        raise RemedyError(f"model: {name!r} has no @champion; train it first "
                          f"(driftlab train {scenario.id})") from None
    seed = card.get("seed", 0) if seed is None else seed
    reference_rows = reference_rows or card.get("reference_rows")
    span = span_of(scenario, seed, rows, reference_rows)
    onset = onset_of(so_far(span).truths)
    since = pd.Timestamp(since) if since is not None else (onset if data == "production"
                                                            else None)
    until = None if until is None else pd.Timestamp(until)
    notes: list[str] = []
    challenger = None
    previous = None
    week = next_week(span, fixed_at=fixed_at if remedy == "fix-pipeline" else None)

    say(f"apply {remedy}")
    if remedy == "re-threshold":
        if threshold is None:
            threshold, why = rethreshold(scenario, span, live, so_far(span).frame, onset)
            if threshold is None:
                raise RemedyError(f"threshold: cannot be chosen: {why}")
            notes.append(f"threshold {threshold:.3f}: {why}")
        set_live_threshold(name, threshold)
    elif remedy == "retrain":
        challenger = retrain_challenger(span, name, live, card, data, since, until)
        notes.append(f"challenger v{challenger.version} registered (@challenger)")
        if promote_challenger:
            promote(name, note="promoted without a shadow comparison")
            notes.append("promoted without a shadow comparison: allowed, but the week is "
                         "its only test")
    elif remedy == "promote":
        promote(name)
    elif remedy == "roll-back":
        _, to = roll_back(name)
        previous = live_model(name)[0]
        notes.append(f"@champion rolled back to v{to}")
    champion_after = tracking.champion_version(name)

    say("run the next week through the server")
    report = _send_week(scenario, week, span, name, url)
    decisions = np.array([d or 0 for d in report.decisions], dtype=bool)
    after = realised(remedy, week.frame, decisions, scenario)
    seen = so_far(span)
    _, before_alerts = decide(live.pipeline, seen.frame, scenario.world_.schema.names,
                              live.threshold)
    before = realised("before", seen.frame, before_alerts, scenario)

    shadow = None
    if challenger is not None and not promote_challenger:
        shadow = _shadow(scenario, week.frame, challenger, after, report)
        notes.append("shadow: the challenger scored the same week beside the champion; its "
                     f"scores are logged on its MLflow run ({SHADOW_SCORES}, by request id, "
                     "beside the champion's in the prediction store), and both costs per day "
                     "(shadow_cost, champion_cost)")

    say("evaluate every remedy on the same week")
    evaluation = evaluate_remedies(scenario, seed, span.rows, reference_rows, live=live,
                                   previous=previous, fixed_at=fixed_at)
    # The served outcome is the candidate's (their data, window, threshold): its regret is
    # against the best of the evaluated remedies, whichever of them it resembles.
    best = evaluation.outcomes[evaluation.best].cost_per_day
    return RemedyRun(scenario.id, name, remedy, report.run, live.version, champion_after,
                     before, after, evaluation, after.cost_per_day - min(best, after.cost_per_day),
                     challenger, shadow, notes)


def _send_week(scenario, week, span, name, url):
    from lab.serve.process import ServerProcess
    from lab.traffic import send_traffic

    # The week after a remedy asks what the model decided, not how fast: it goes through
    # the batched closed loop even for a serving scenario (whose open loop at its arrival
    # rate would take minutes for a week of rows).
    def send(target: str):
        return send_traffic(scenario, target, rows=len(week.frame), seed=span.seed,
                            reference_rows=span.reference_rows, model=name, production=week)

    if url is not None:
        token = get_settings().admin_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        httpx.post(f"{url}/models/{name}/reload", headers=headers, timeout=60).raise_for_status()
        return send(url)
    with ServerProcess(models=[name]) as server:
        return send(server.url)


def _shadow(scenario, frame, challenger: Challenger, champion: Outcome, report) -> Outcome:
    """The challenger's decisions on the week the champion served; both logged per day."""
    scores, alerts = decide(challenger.live.pipeline, frame, scenario.world_.schema.names,
                            challenger.live.threshold)
    shadow = realised("shadow", frame, alerts, scenario, "challenger in shadow")
    served = np.array([d if d is not None else -1 for d in report.decisions])
    table = pd.DataFrame({"request_id": report.request_ids, "champion_decision": served,
                          "shadow_score": scores.round(6), "shadow_decision": alerts.astype(int)})
    tracking.log_run_text(challenger.run_id, table.to_csv(index=False), SHADOW_SCORES)
    for step, (ours, theirs) in enumerate(zip(shadow.per_day.itertuples(),
                                              champion.per_day.itertuples())):
        tracking.log_run_metrics(challenger.run_id, {"shadow_cost": ours.cost,
                                                     "champion_cost": theirs.cost}, step=step)
    return shadow

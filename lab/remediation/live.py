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
from lab.remediation.compare import Comparison, compare
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
from lab.remediation.serving import SERVICE_PART, serving_only
from lab.remediation.week import next_week, so_far, span_of
from lab.scenario import Scenario

ACTIONS = ("nothing", "fix-pipeline", "re-threshold", "retrain", "promote", "roll-back")
# What a retrain does with its challenger: promote it now, or run the week with it served
# beside the champion by the server (shadow, or a canary's share of the requests).
ROLLOUTS = ("promote", "shadow", "canary")
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
    # Retrain: promote, shadow or canary; and, for the last two, the server's comparison.
    rollout: str | None = None
    comparison: Comparison | None = None
    # Where it was kept: {attempt, graded, compared_before_promotion} (lab.remediation.record)
    attempt: dict[str, Any] | None = None

    def keep(self, workspace: str | None = None, attempt_id: int | None = None) -> None:
        """Save this outcome with the attempt it follows (the workspace's newest at the
        scenario unless ``attempt_id``); nothing when there is no attempt yet."""
        from lab.remediation.record import save_to_attempt

        saved = save_to_attempt(self, workspace, attempt_id)
        if saved is not None:
            attempt_id, record = saved
            self.attempt = {"id": attempt_id, "graded": record["graded"],
                            "compared_before_promotion": record["compared_before_promotion"],
                            "notes": record["notes"][:1] if record["compared_before_promotion"]
                            is not None else []}

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
        import dataclasses

        from lab.grade.outcome import outcome_part

        part = outcome_part(self.after.cost_per_day, self.evaluation, self.remedy)
        if self.comparison is None:
            return part
        # The week cost what the server's answers cost: the champion's in shadow, the
        # mixture in a canary. The comparison is what the careful week bought.
        served = ("the champion answered every request (the challenger only in shadow)"
                  if self.rollout == "shadow" else
                  f"the challenger answered {self.comparison.answered['challenger']} of "
                  f"{self.after.rows} requests")
        return dataclasses.replace(part, why=f"{part.why} The week was served with the "
                                   f"challenger in {self.rollout}: {served}.")

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
                "rollout": self.rollout,
                "comparison": None if self.comparison is None else self.comparison.to_dict(),
                "evaluation": self.evaluation.to_dict(), "notes": self.notes,
                "attempt": self.attempt}


def apply_remedy(scenario: Scenario, remedy: str, *, workspace: str | None = None,
                 seed: int | None = None, rows: int | None = None,
                 reference_rows: int | None = None, fixed_at: float = 0.0,
                 threshold: float | None = None, data: str = "both",
                 since: pd.Timestamp | str | None = None, until: pd.Timestamp | str | None = None,
                 promote_challenger: bool = True, rollout: str | None = None,
                 share: float = 0.3, url: str | None = None, on_step=None) -> RemedyRun:
    """Apply ``remedy`` to the workspace's model of ``scenario`` and run the next week.

    ``seed``, ``reference_rows`` default to the champion's own (its card), ``rows`` to the
    scenario's production size: the run the candidate diagnosed. ``url`` is a running
    server to use (it is told to reload); by default one is started for the week.
    A retrain's ``rollout`` is ``promote`` (the default; ``promote_challenger=False`` means
    ``shadow``), ``shadow`` or ``canary`` (``share`` of the requests answered by the
    challenger): the server serves the week that way, then the rollout is switched off.
    """
    say = on_step or (lambda _s: None)
    if remedy not in ACTIONS:
        raise RemedyError(f"remedy: {remedy!r} is not allowed; allowed: {list(ACTIONS)}")
    rollout = rollout or ("promote" if promote_challenger else "shadow")
    if rollout not in ROLLOUTS:
        raise RemedyError(f"rollout: {rollout!r} is not allowed; allowed: {list(ROLLOUTS)}")
    if rollout == "canary" and not 0.0 < share <= 1.0:
        raise RemedyError(f"share: a canary's share of requests is in (0, 1], got {share}")
    if serving_only(scenario):
        raise RemedyError(f"remedy: {scenario.id}: {SERVICE_PART}")
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
        if rollout == "promote":
            promote(name, note="promoted without a shadow comparison")
            notes.append("promoted without a shadow or canary comparison: allowed, but the "
                         "week is its only test")
    elif remedy == "promote":
        promote(name)
    elif remedy == "roll-back":
        _, to = roll_back(name)
        previous = live_model(name)[0]
        notes.append(f"@champion rolled back to v{to}")
    champion_after = tracking.champion_version(name)

    served_with = None
    if challenger is not None and rollout != "promote":
        served_with = {"mode": rollout, "seed": span.seed,
                       **({"share": share} if rollout == "canary" else {})}
    say("run the next week through the server" + (f" ({rollout} of v{challenger.version})"
                                                  if served_with else ""))
    report = _send_week(scenario, week, span, name, url, served_with)
    decisions = np.array([d or 0 for d in report.decisions], dtype=bool)
    after = realised(remedy, week.frame, decisions, scenario)
    seen = so_far(span)
    _, before_alerts = decide(live.pipeline, seen.frame, scenario.world_.schema.names,
                              live.threshold)
    before = realised("before", seen.frame, before_alerts, scenario)

    shadow = comparison = None
    if served_with is not None:
        comparison = _compare(scenario, week.frame, report.run, name, rollout, share,
                              live.version, challenger.version)
        notes.append(comparison.verdict())
        if rollout == "shadow":
            shadow = comparison.outcomes["challenger"]
            _log_shadow(challenger, report, name, shadow, after)
            notes.append("shadow: the server scored every request of the week with the "
                         "challenger too (the champion answered); its scores are in the "
                         "prediction store's shadow log with its version, and on its MLflow "
                         f"run ({SHADOW_SCORES}, shadow_cost and champion_cost a day)")
        else:
            notes.append(f"canary: the server answered {comparison.answered['challenger']} "
                         f"of {len(week.frame)} requests with the challenger (share "
                         f"{share:.0%}, by request id); the answers carry their version")
        notes.append(f"the {rollout} is over: @champion v{live.version} serves alone until "
                     "you promote the challenger")

    say("evaluate every remedy on the same week")
    evaluation = evaluate_remedies(scenario, seed, span.rows, reference_rows, live=live,
                                   previous=previous, fixed_at=fixed_at)
    # The served outcome is the candidate's (their data, window, threshold): its regret is
    # against the best of the evaluated remedies, whichever of them it resembles.
    best = evaluation.outcomes[evaluation.best].cost_per_day
    return RemedyRun(scenario.id, name, remedy, report.run, live.version, champion_after,
                     before, after, evaluation, after.cost_per_day - min(best, after.cost_per_day),
                     challenger, shadow, notes, rollout if challenger is not None else None,
                     comparison)


def _send_week(scenario, week, span, name, url, served_with: dict | None = None):
    """The week through a server: ``url`` (told to reload, and to serve ``served_with``,
    a rollout, for the week), or one started for it."""
    from lab.serve.process import ServerProcess
    from lab.traffic import send_traffic

    # The week after a remedy asks what the model decided, not how fast: it goes through
    # the batched closed loop even for a serving scenario (whose open loop at its arrival
    # rate would take minutes for a week of rows).
    def send(target: str):
        return send_traffic(scenario, target, rows=len(week.frame), seed=span.seed,
                            reference_rows=span.reference_rows, model=name, production=week)

    if url is None:
        if served_with is not None:  # the server reads the rollout when it loads the model
            tracking.set_rollout(name, served_with)
        try:
            with ServerProcess(models=[name]) as server:
                return send(server.url)
        finally:
            if served_with is not None:
                tracking.set_rollout(name, {"mode": "off"})
    token = get_settings().admin_token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if served_with is None:
        httpx.post(f"{url}/models/{name}/reload", headers=headers, timeout=60
                   ).raise_for_status()
        return send(url)
    answer = httpx.post(f"{url}/models/{name}/rollout", json=served_with, headers=headers,
                        timeout=60)
    if answer.status_code != 200:
        raise RemedyError(f"rollout: the server refused it ({answer.status_code}: "
                          f"{answer.text[:300]})")
    try:
        return send(url)
    finally:
        httpx.post(f"{url}/models/{name}/rollout", json={"mode": "off"}, headers=headers,
                   timeout=60).raise_for_status()


def _compare(scenario, frame, run, name, mode, share, champion, challenger) -> Comparison:
    """Champion against challenger on the week, from the server's own log of it."""
    from lab.serve.store import PredictionStore

    store = PredictionStore(get_settings().prediction_store_url)
    try:
        served, shadow = store.frame(name, run=run), store.shadow_frame(name, run=run)
    finally:
        store.dispose()
    return compare(scenario, frame, run, served, shadow, mode,
                   {"champion": champion, "challenger": challenger},
                   share if mode == "canary" else None)


def _log_shadow(challenger: Challenger, report, name: str, shadow: Outcome,
                champion: Outcome) -> None:
    """The server's shadow scores of the week on the challenger's run, and both costs a
    day (metrics ``shadow_cost``, ``champion_cost``, one step a day)."""
    from lab.serve.store import PredictionStore

    store = PredictionStore(get_settings().prediction_store_url)
    try:
        logged = store.shadow_frame(name, run=report.run).set_index("request_id")
    finally:
        store.dispose()
    ids = list(report.request_ids)
    served = np.array([d if d is not None else -1 for d in report.decisions])
    mine = logged.reindex(ids)
    table = pd.DataFrame({"request_id": ids, "champion_decision": served,
                          "shadow_score": mine["score"].round(6).to_numpy(),
                          "shadow_decision": mine["decision"].fillna(-1).astype(int)
                          .to_numpy()})
    tracking.log_run_text(challenger.run_id, table.to_csv(index=False), SHADOW_SCORES)
    for step, (ours, theirs) in enumerate(zip(shadow.per_day.itertuples(),
                                              champion.per_day.itertuples())):
        tracking.log_run_metrics(challenger.run_id, {"shadow_cost": ours.cost,
                                                     "champion_cost": theirs.cost}, step=step)

"""A remedy's outcome kept with the attempt whose diagnosis it followed.

The first remedy applied after an attempt is its graded outcome (the outcome part, the
regret against the best remedy on the same week); the ones after it are kept beside it,
in order, ungraded: by then the candidate has seen every remedy's outcome side by side.
A promotion is marked with whether a shadow or canary week of the same challenger came
before it ("promoting a challenger without a shadow comparison is allowed but shown").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lab.attempts import AttemptStore


def remedy_record(result, earlier: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """What an attempt keeps of a :class:`lab.remediation.live.RemedyRun`: the remedy, the
    week's numbers before and after, the best remedy's, the outcome part, the comparison."""
    part = result.outcome_part()
    evaluation = result.evaluation
    best = evaluation.outcomes[evaluation.best]
    compared, note = _compared(result, earlier)
    notes = list(result.notes)
    if note:
        notes.insert(0, note)
    after = result.after
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "remedy": result.remedy, "rollout": result.rollout, "run": result.run,
        "graded": not earlier,
        "champion": {"before": result.champion_before, "after": result.champion_after},
        "challenger": None if result.challenger is None else result.challenger.version,
        "before": {"cost_per_day": result.before.cost_per_day,
                   "precision": result.before.precision, "recall": result.before.recall},
        "after": {"cost_per_day": after.cost_per_day, "precision": after.precision,
                  "recall": after.recall, "alerts_per_day": after.alerts_per_day},
        "best": {"remedy": evaluation.best, "cost_per_day": best.cost_per_day},
        "regret_per_day": result.regret_per_day,
        "outcome": {"name": part.name, "points": part.points, "maximum": part.maximum,
                    "why": part.why},
        "compared_before_promotion": compared,
        "comparison": None if result.comparison is None else {
            k: v for k, v in result.comparison.to_dict().items() if k != "per_window"},
        "notes": notes,
    }


def _compared(result, earlier) -> tuple[bool | None, str]:
    """For a promotion: whether the challenger had a shadow or canary week first, and the
    note that says so (None and no note for any other remedy)."""
    if result.remedy == "retrain" and result.rollout == "promote":
        return False, ("promoted without a shadow or canary comparison: allowed, but shown "
                       "(the week after was the challenger's only test)")
    if result.remedy != "promote":
        return None, ""
    version = result.champion_after
    for rec in reversed(list(earlier)):
        if rec.get("rollout") in ("shadow", "canary") and rec.get("challenger") == version:
            return True, (f"promoted v{version} after a {rec['rollout']} week (run "
                          f"{rec['run']}): {(rec.get('comparison') or {}).get('verdict', '')}")
    return False, (f"promoted v{version} without a shadow or canary comparison in this "
                   "attempt: allowed, but shown")


def save_to_attempt(result, workspace: str | None = None, attempt_id: int | None = None
                    ) -> tuple[int, dict[str, Any]] | None:
    """Keep ``result`` with the attempt (by default this workspace's newest at the
    scenario); returns (attempt id, the record), or None when there is no attempt yet."""
    store = AttemptStore(workspace=workspace)
    try:
        attempt_id = attempt_id if attempt_id is not None else store.newest(result.scenario)
        if attempt_id is None:
            return None
        saved = store.grade_of(attempt_id)
        if saved is None:
            raise LookupError(f"attempt: no attempt #{attempt_id} in this workspace")
        record = remedy_record(result, saved["remedies"])
        store.add_remedy(attempt_id, record)
        return attempt_id, record
    finally:
        store.dispose()


def graded(remedies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The remedy whose outcome is the attempt's (the first applied), or None."""
    return next((r for r in remedies if r.get("graded")), None)

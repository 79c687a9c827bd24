"""A session's events, and what they add up to: the stage the candidate is in, the time
spent in each stage, the hints given, the follow-ups asked and their marks.

Pure functions over a list of :class:`Event`: the store only keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("opened", "joined", "stage", "hint", "fault", "followup", "score", "override", "note")
# The candidate's flow, in order (lab/ui/pages/scenario.py).
STAGES = ("brief", "train", "threshold", "deploy", "production", "diagnose", "submitted")
STAGE_LABELS = {"brief": "reading the brief", "train": "training",
                "threshold": "choosing a threshold", "deploy": "deploying",
                "production": "sending production traffic", "diagnose": "diagnosing",
                "submitted": "submitted an attempt"}
MARKS = ("strong", "adequate", "weak")


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the timeline (interviewer side and report)."""
        d = self.data
        if self.kind == "stage":
            return f"candidate: {STAGE_LABELS.get(d.get('stage'), d.get('stage'))}"
        if self.kind == "hint":
            return f"hint {d.get('number')} given"
        if self.kind == "fault":
            return f"fault changed: {d.get('summary', '')}".rstrip(": ")
        if self.kind == "followup":
            return f"follow-up asked: {d.get('question', d.get('id'))} ({d.get('mark')})"
        if self.kind == "score":
            return f"scored {d.get('signal')}: {d.get('level')}"
        if self.kind == "override":
            if d.get("total") is None:
                return "override removed"
            return f"total overridden to {d.get('total'):g}: {d.get('reason', '')}"
        if self.kind == "note":
            return f"note: {d.get('text', '')}"
        if self.kind == "joined":
            return "candidate joined"
        if self.kind == "opened":
            return f"session opened for {d.get('workspace')} on {d.get('scenario')}"
        return self.kind


def stage_of(state: Mapping[str, Any]) -> str:
    """The stage a candidate's scenario flow is in, read from its session state (the
    ``scenario_`` keys of lab/ui/pages/scenario.py): the furthest step reached or started.
    A button's key is True during the run its click starts."""
    def started(step: str) -> bool:
        job = state.get(f"scenario_{step}_job")
        return bool(state.get(f"scenario_{step}_button")) or bool(
            job is not None and getattr(job, "running", False))

    if state.get("scenario_grade") is not None:
        return "submitted"
    if state.get("scenario_production") is not None:
        return "diagnose"
    if state.get("scenario_deployment") is not None or started("traffic"):
        return "production"
    if started("deploy"):
        return "deploy"
    if state.get("scenario_trained") is not None:
        return "threshold"
    if started("train"):
        return "train"
    return "brief"


def stage_changes(events: list[Event]) -> list[Event]:
    return [e for e in events if e.kind == "stage"]


def current_stage(events: list[Event]) -> str | None:
    stages = stage_changes(events)
    return stages[-1].data["stage"] if stages else None


def time_per_stage(events: list[Event], now: datetime) -> dict[str, float]:
    """Seconds spent in each stage, in the order first reached; the current stage runs
    until ``now``. A stage returned to (a retry) adds up."""
    stages = stage_changes(events)
    out: dict[str, float] = {}
    for this, nxt in zip(stages, stages[1:] + [None]):
        end = nxt.at if nxt is not None else now
        name = this.data["stage"]
        out[name] = out.get(name, 0.0) + max(0.0, (end - this.at).total_seconds())
    return out


def hints_given(events: list[Event]) -> int:
    return sum(1 for e in events if e.kind == "hint")


def followups_marked(events: list[Event]) -> dict[str, dict[str, Any]]:
    """The newest mark of each follow-up asked, by question id."""
    out: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.kind == "followup":
            out[e.data["id"]] = e.data
    return out


def notes(events: list[Event]) -> list[str]:
    return [e.data["text"] for e in events if e.kind == "note"]

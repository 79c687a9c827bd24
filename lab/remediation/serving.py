"""Serving scenarios: where the fault is at the server, not in the data the model sees.

A slow dependency, a traffic surge or a heavier model change how fast the answers come,
not what they are: no remedy to the model (retrain, re-threshold, fix the feed, promote,
roll back) touches the fault. (A re-threshold still saves a few percent a day there, the
training threshold being a little off under the review capacity, a gain unrelated to the
incident: an outcome graded on cost would grade the wrong lesson.) Such a scenario's
remedy is graded by the service part of the diagnosis (the service remedy named on the
sheet, :mod:`lab.grade.service`), and the lab does not run the model's remedies for it.
A serving scenario whose fault is also in the data (a client's schema change: requests
refused, a segment unscored) keeps them: fixing the feed is fixing the client, and its
outcome is measured like any other.
"""

from __future__ import annotations

from lab.scenario import Scenario

SERVICE_PART = ("the fault is at the server, not in the data: no remedy to the model "
                "touches it, so this scenario's remedy is graded by the service part of "
                "your diagnosis (the service remedy you named), not by an outcome")


def serving_only(scenario: Scenario) -> bool:
    """True when the scenario's faults are all at the server (or it has none and is graded
    on service), so the model's remedies have nothing to change."""
    if scenario.drift:
        return False
    return bool(scenario.service) or scenario.questions.answer.service is not None

"""Interviewer mode's pure parts: the scoring sheet, the timeline, the fault override, the
follow-up bank, the passcode gate."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from lab.config import get_settings
from lab.interview import faults, passcode
from lab.interview.followups import bank, for_scenario
from lab.interview.sheet import LEVELS, SIGNALS, ScoreSheet, SheetError, final_total
from lab.interview.timeline import (
    Event,
    current_stage,
    followups_marked,
    hints_given,
    stage_of,
    time_per_stage,
)
from lab.scenario import TOPICS

T0 = datetime(2026, 1, 5, 10, 0, 0)


def test_sheet_levels_interview_score_and_override():
    sheet = ScoreSheet()
    assert sheet.interview_score() is None
    sheet.score("diagnosis", "strong", " found the unit ").score("communication", "weak")
    assert sheet.notes["diagnosis"] == "found the unit"
    assert sheet.interview_score() == pytest.approx(100 * (3 + 1) / 6, abs=0.05)  # 66.7
    assert final_total(48.0, sheet) == 48.0
    sheet.override(61, "reasoned well aloud; the form undersold it")
    assert final_total(48.0, sheet) == 61.0
    assert ScoreSheet.from_dict(sheet.to_dict()) == sheet
    sheet.override(None)
    assert final_total(48.0, sheet) == 48.0 and sheet.override_reason == ""
    assert len(SIGNALS) == 5 and len(LEVELS) == 4


@pytest.mark.parametrize("call, field", [
    (lambda s: s.score("charisma", "strong"), "signal"),
    (lambda s: s.score("diagnosis", "excellent"), "level"),
    (lambda s: s.override(120, "x"), "override_total"),
    (lambda s: s.override("many", "x"), "override_total"),
    (lambda s: s.override(50, "  "), "override_reason"),
])
def test_sheet_refuses_bad_entries_naming_the_field(call, field):
    with pytest.raises(SheetError, match=f"^{field}:"):
        call(ScoreSheet())


def stage(minutes: float, name: str, **data) -> Event:
    return Event(T0 + timedelta(minutes=minutes), "stage", {"stage": name, **data})


def test_time_per_stage_adds_returns_and_runs_the_current_one_to_now():
    events = [Event(T0, "opened"), stage(0, "brief"), stage(2, "train"),
              Event(T0 + timedelta(minutes=3), "hint", {"number": 1}), stage(5, "threshold"),
              stage(9, "train"), stage(10, "threshold")]
    seconds = time_per_stage(events, now=T0 + timedelta(minutes=16))
    assert seconds == {"brief": 120.0, "train": 240.0, "threshold": 600.0}
    assert current_stage(events) == "threshold"
    assert hints_given(events) == 1
    assert current_stage([Event(T0, "opened")]) is None


def test_followups_keep_the_newest_mark():
    events = [Event(T0, "followup", {"id": "alert-fatigue", "mark": "weak"}),
              Event(T0, "followup", {"id": "p99-budget", "mark": "strong"}),
              Event(T0, "followup", {"id": "alert-fatigue", "mark": "adequate"})]
    assert {k: v["mark"] for k, v in followups_marked(events).items()} == {
        "alert-fatigue": "adequate", "p99-budget": "strong"}


class Job:
    running = True


@pytest.mark.parametrize("state, expected", [
    ({}, "brief"),
    ({"scenario_train_button": True}, "train"),
    ({"scenario_train_job": Job()}, "train"),
    ({"scenario_trained": object()}, "threshold"),
    ({"scenario_trained": object(), "scenario_deploy_button": True}, "deploy"),
    ({"scenario_trained": 1, "scenario_deployment": 1}, "production"),
    ({"scenario_trained": 1, "scenario_deployment": 1, "scenario_production": 1}, "diagnose"),
    ({"scenario_production": 1, "scenario_grade": 1}, "submitted"),
])
def test_stage_of_reads_the_flow_keys(state, expected):
    assert stage_of(state) == expected


def test_follow_up_bank_covers_the_card_and_every_entry_has_a_strong_answer():
    questions = bank()
    assert len(questions) >= 12
    assert {q.topic for q in questions} == set(TOPICS)
    assert all(len(q.strong) > 60 and q.question.endswith("?") for q in questions)
    ordered = for_scenario(["data-drift"])
    production = [q for q in ordered if q.stage == "production"]
    assert production[0].topic == "data-drift"
    texts = {q.question for q in questions}
    assert "Why PR AUC rather than ROC AUC here?" in texts
    assert "How would you tell seasonality from harmful drift?" in texts


def test_fault_change_scales_strength_moves_onset_and_validates(scenario):
    drift = scenario.drift
    changed = faults.change_fault(drift, 0, severity=0.5, onset=0.2)
    assert changed[0]["factor"] == 30.0 and changed[0]["onset"] == 0.2
    assert drift[0]["factor"] == 60 and drift[0]["onset"] == 0.4  # the scenario is untouched
    copy = faults.scenario_with_drift(scenario, changed)
    assert copy.drift == changed and scenario.drift == drift
    assert copy.questions == scenario.questions
    both = faults.add_fault(changed, {"kind": "missing_values", "feature": "team_load",
                                      "rate": 0.7, "onset": 0.6})
    assert faults.describe(both) == ("unit_change minutes_to_first_response factor=30 "
                                     "onset=0.2 sudden; missing_values team_load rate=0.7 "
                                     "onset=0.6")
    # A rate is kept within 1.
    assert faults.change_fault(both, 1, severity=3)[1]["rate"] == 1.0
    with pytest.raises(ValueError, match=r"drift\[1\]: unknown feature 'nope'"):
        faults.check_drift(scenario, faults.add_fault(drift, {"kind": "missing_values",
                                                              "feature": "nope"}))
    with pytest.raises(ValueError, match="^fault.kind: 'gremlins'"):
        faults.add_fault(drift, {"kind": "gremlins"})
    with pytest.raises(ValueError, match="^onset:"):
        faults.change_fault(drift, 0, onset=1.5)
    with pytest.raises(ValueError, match="^fault: no fault number 3"):
        faults.change_fault(drift, 3, severity=2)


def test_the_overridden_plan_is_what_production_carries(scenario):
    from lab.data import production_frame

    changed = faults.change_fault(scenario.drift, 0, onset=0.1)
    base = production_frame(scenario, rows=2000, seed=3).truths
    live = production_frame(faults.scenario_with_drift(scenario, changed), rows=2000,
                            seed=3).truths
    assert base[0].onset_row == 800 and live[0].onset_row == 200


def test_passcode_gate(monkeypatch, caplog):
    assert not passcode.enabled() and passcode.check("anything") is None
    monkeypatch.setenv("LAB_INTERVIEWER_PASSCODE", "correct horse")
    get_settings.cache_clear()
    assert passcode.enabled()
    # Never echoed: the settings show it masked.
    assert "correct horse" not in repr(get_settings())
    with caplog.at_level(logging.WARNING, logger="lab.interview"):
        assert passcode.check("wrong horse", where="test") is None
    assert [r.getMessage() for r in caplog.records if r.name == "lab.interview"] == [
        "interviewer passcode refused (test)"]
    assert "wrong horse" not in caplog.text
    token = passcode.check("correct horse")
    assert token and "correct horse" not in token and passcode.valid(token)
    last = "1" if token[-1] == "0" else "0"
    for forged in (True, "1", token[:-1] + last, token.upper(), None):
        assert not passcode.valid(forged)
    # The model servers the app starts never receive it.
    from lab.serve.process import server_env

    assert "LAB_INTERVIEWER_PASSCODE" not in server_env(get_settings(), workers=1)
    # Another passcode invalidates what the old one gave.
    monkeypatch.setenv("LAB_INTERVIEWER_PASSCODE", "battery staple")
    get_settings.cache_clear()
    assert not passcode.valid(token)

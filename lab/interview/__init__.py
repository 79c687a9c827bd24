"""Interviewer mode: a live walkthrough of one scenario with one candidate's workspace.

The interviewer opens a *session* (a short code) for a scenario and a workspace; the
candidate joins with the code and works through the normal scenario flow. Only the
interviewer's side reads the answer key, gives hints, changes the fault for the next
traffic run, asks follow-up questions, fills a scoring sheet and exports a report.

Modules: :mod:`.sheet` (signals, levels, totals), :mod:`.timeline` (events, stages and
time per stage), :mod:`.faults` (the fault override), :mod:`.followups` (the question
bank), :mod:`.passcode` (the gate), :mod:`.store` (sessions and events in the lab's
database), :mod:`.key` (what only the interviewer sees), :mod:`.report` (Markdown, HTML).
"""

from lab.interview.sheet import LEVELS, SIGNALS, ScoreSheet, SheetError
from lab.interview.store import Session, SessionError, SessionStore

__all__ = ["LEVELS", "SIGNALS", "ScoreSheet", "Session", "SessionError", "SessionStore",
           "SheetError"]

"""An interview in two Chromium contexts on one lab: the interviewer (behind the passcode)
opens a session, the candidate joins with its code and works; the interviewer gives two
hints, changes the fault for the next run, marks a follow-up, overrides the total and
exports the report. The candidate's page never shows the key. Screenshots go to
LAB_SCREENSHOT_DIR when it is set, as in test_two_candidates.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from lab.interview import SessionStore, faults
from lab.interview.key import hidden_strings
from lab.scenario import load_scenario
from lab.workspace.runs import RunBook
from tests.interview.leaks import leaked
from tests.ui.browser import no_error_box, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SCENARIO = "sla-escalation-queue-flooded"
PASSCODE = "panel-7-horse"
NOTE = "Asked what the reviewers can handle before touching the threshold."


def settle(page, seconds: float = 1.0) -> None:
    """Let Streamlit finish the rerun a click started."""
    time.sleep(seconds)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=180_000)


def no_leak(page, hidden) -> None:
    for text in (page.inner_text("body"), page.content()):
        assert not leaked(text, hidden), leaked(text, hidden)


@pytest.fixture
def app_url(start_app) -> str:
    return start_app(LAB_INTERVIEWER_PASSCODE=PASSCODE)


def test_an_interview_in_two_browsers(browser, app_url, screenshot_dir):
    scenario = load_scenario(SCENARIO)
    size = {"width": 1400, "height": 2000}
    lead = browser.new_context(viewport=size, accept_downloads=True).new_page()
    cand = browser.new_context(viewport=size).new_page()

    # The interviewer unlocks the page and opens a session for Alice's workspace.
    lead.goto(f"{app_url}/interviewer")
    lead.get_by_label("Interviewer passcode").fill(PASSCODE)
    lead.get_by_role("button", name="Unlock").click()
    lead.get_by_text("Open a new session").wait_for(timeout=60_000)
    settle(lead)
    lead.locator(".st-key-interviewer_new_scenario input").click()
    lead.keyboard.type("escalation queue is full")
    lead.get_by_role("option", name=scenario.title).click()
    lead.get_by_label("Candidate's workspace").fill("alice")
    lead.get_by_role("button", name="Open the session").click()
    lead.get_by_text("Answer key").wait_for(timeout=60_000)
    no_error_box(lead)
    code = re.search(r"Session code ([A-Z2-9]{6})", lead.inner_text("body")).group(1)
    assert PASSCODE not in lead.content()
    store = SessionStore()
    session = store.require(code)
    assert (session.scenario, session.workspace) == (SCENARIO, "alice")
    lead.get_by_text("A note (only you and the report see it)").wait_for()
    lead.get_by_label("A note (only you and the report see it)").fill(NOTE)
    lead.get_by_role("button", name="Add the note").click()
    lead.locator("li", has_text=NOTE).wait_for(timeout=60_000)

    # The candidate joins with the code and trains and deploys in Alice's workspace.
    cand.goto(app_url)
    cand.get_by_label("Interview session code").fill(code)
    cand.get_by_role("button", name="Join the interview").click()
    cand.get_by_text("1. Brief").wait_for(timeout=60_000)
    cand.get_by_text("Lab settings").click()
    for label, value in (("Training rows", "4000"), ("Production rows", "15000")):
        box = cand.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        time.sleep(0.7)
    cand.get_by_role("button", name="Train the model").click()
    cand.get_by_text(f"alice.{SCENARIO} v1 is your @champion").wait_for(timeout=180_000)
    cand.get_by_role("button", name="Deploy behind FastAPI").click()
    cand.get_by_text("latency p99").wait_for(timeout=120_000)
    no_leak(cand, hidden_strings(scenario, 0, [NOTE]))

    # The interviewer sees the progress (the mirror reads it again on its own), gives two
    # hints and doubles the fault.
    lead.get_by_text("deploying", exact=True).first.wait_for(timeout=60_000)
    for n in (1, 2):
        lead.get_by_role("button", name=f"Give hint {n}").click()
        lead.get_by_role("button", name=f"Give hint {n + 1}").wait_for(timeout=60_000)
    fault = severity_input(lead)
    fault.fill("2")
    fault.press("Tab")
    lead.get_by_role("button", name="Change this fault").click()
    lead.get_by_text("Your override, in force").wait_for(timeout=60_000)
    no_error_box(lead)
    # The inputs start again from the new plan: a second click would not double it again.
    assert severity_input(lead).input_value() == "1.00"
    assert store.require(code).drift[0]["factor"] == 120.0
    shoot(lead, "interviewer.png", screenshot_dir)

    # The candidate's next run carries it, and while it runs the interviewer makes the
    # fault stronger again: the run switches from its next chunk of rows.
    hidden = hidden_strings(scenario, 2, [NOTE], drift=store.require(code).drift)
    hidden += hidden_strings(scenario, 2, [], drift=faults.change_fault(
        store.require(code).drift, 0, severity=1.5))
    fault = severity_input(lead)
    fault.fill("1.5")
    fault.press("Tab")
    cand.get_by_role("button", name="Send production traffic").click()
    cand.get_by_text("production at").wait_for(timeout=120_000)
    lead.get_by_role("button", name="Change this fault").click()
    cand.get_by_text("Why this window alerted").or_(
        cand.get_by_text("Nothing in this window crossed")).wait_for(timeout=180_000)
    cand.get_by_text("Hints from your interviewer (2)").wait_for(timeout=60_000)
    cand.get_by_text(scenario.questions.hints[1]).wait_for(timeout=60_000)
    cand.get_by_text("Submit the diagnosis").wait_for(timeout=60_000)
    no_leak(cand, hidden)
    book = RunBook()
    runs = book.list("alice", SCENARIO)
    book.dispose()
    # One run: the plan switched while it ran. A switch after the fault's onset (row
    # 6000) ends the first record there; a switch before it leaves only the new plan.
    [truth] = [r.truth for r in runs]
    assert truth[-1]["params"]["factor"] == 180.0
    if len(truth) == 2:
        switched_at = truth[0]["details"]["until_row"]
        assert truth[0]["params"]["factor"] == 120.0 and truth[0]["onset_row"] == 6000
        assert 6000 <= switched_at < 15_000 and truth[1]["onset_row"] == switched_at
    else:
        assert truth[0]["onset_row"] == 6000 and "until_row" not in truth[0]["details"]
    cand.get_by_text("Pipeline fault (what the model receives is broken)").click()
    cand.get_by_role("button", name="Submit the diagnosis").click()
    cand.get_by_text("Your interviewer has it").wait_for(timeout=120_000)
    no_error_box(cand)
    no_leak(cand, hidden)
    shoot(cand, "interview-candidate.png", screenshot_dir)

    # The interviewer marks a follow-up, overrides the total and exports the report.
    lead.get_by_role("button", name="Refresh").click()
    lead.get_by_text("automatic grade (newest attempt)").wait_for(timeout=60_000)
    lead.get_by_text("How would you tell seasonality from harmful drift?").click()
    lead.locator(".st-key-interviewer_mark_seasonality-vs-drift").get_by_text(
        "strong", exact=True).click()
    lead.locator(".st-key-interviewer_mark_seasonality-vs-drift_button button").click()
    lead.get_by_text("How would you tell seasonality from harmful drift? — strong").wait_for(
        timeout=60_000)
    lead.get_by_label("Override the automatic total").fill("70")
    lead.get_by_label("Reason").fill("Reasoned from the evidence aloud")
    lead.get_by_role("button", name="Override").click()
    lead.get_by_text("70 / 100", exact=True).wait_for(timeout=60_000)
    no_error_box(lead)
    with lead.expect_download() as download:
        lead.get_by_role("button", name="Download the report (Markdown)").click()
    report = Path(download.value.path()).read_text()
    with lead.expect_download() as download:
        lead.get_by_role("button", name="Download the report (HTML)").click()
    page = Path(download.value.path()).read_text()

    automatic = store.require(code)  # the sheet as saved
    assert automatic.sheet.override_total == 70.0
    for text in (f"# Interview report: {scenario.title}", "| hint 1 given |",
                 "| hint 2 given |", "fault changed: unit_change minutes_to_first_response "
                 "factor=120", "fault changed: unit_change minutes_to_first_response "
                 "factor=180", "candidate: diagnosing",
                 "How would you tell seasonality from harmful drift? **strong**",
                 "Override of the automatic total: 70 (reason: Reasoned from the evidence "
                 "aloud)", "**Final total: 70 / 100**", "- kind: pipeline", NOTE):
        assert text in report, text
    assert re.search(r"- Automatic grade: \d+(\.\d)? / 100", report)
    assert "<strong>Final total: 70 / 100</strong>" in page and NOTE in page
    store.dispose()


def severity_input(page):
    """The first fault's severity box, once a rerun has removed the previous plan's box
    (its key carries the plan, so old and new are briefly both on the page)."""
    box = page.locator('[class*="st-key-interviewer_fault_0_severity_"] input')
    deadline = time.monotonic() + 60
    while box.count() != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    return box

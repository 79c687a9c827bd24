"""Two candidates on one lab, in two Chromium contexts at once: neither sees, serves or is
graded against the other's work. Screenshots go to LAB_SCREENSHOT_DIR when it is set
(`LAB_SCREENSHOT_DIR=docs/screenshots bash scripts/test.sh tests/ui` refreshes the README's)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.ui.browser import no_error_box, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SCENARIO_TITLE = "The escalation queue is full of tickets that were fine"


def open_scenario(page, rows: tuple[str, str]) -> None:
    page.get_by_text(SCENARIO_TITLE).wait_for(timeout=60_000)
    page.locator(".st-key-catalogue_open_sla-escalation-queue-flooded button").click()
    page.get_by_text("1. Brief").wait_for(timeout=60_000)
    page.get_by_text("Lab settings").click()
    for label, value in zip(("Training rows", "Production rows"), rows):
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        time.sleep(0.7)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$")))
    return box.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_two_candidates_do_not_meet(browser, app_url, screenshot_dir):
    size = {"width": 1400, "height": 1800}
    alice = browser.new_context(viewport=size).new_page()
    bob = browser.new_context(viewport=size).new_page()

    # Alice chooses her workspace on the first visit; Bob arrives with it in the URL.
    alice.goto(app_url)
    alice.get_by_label("Workspace name").fill("alice")
    alice.get_by_role("button", name="Start").click()
    bob.goto(f"{app_url}/?ws=bob")
    for page in (alice, bob):
        page.get_by_text(SCENARIO_TITLE).wait_for(timeout=60_000)
        no_error_box(page)
    shoot(alice, "catalogue.png", screenshot_dir)

    open_scenario(alice, ("6000", "4500"))
    open_scenario(bob, ("6000", "3000"))
    # A double click trains once: the second click finds the first's work still running.
    for page in (alice, bob):
        page.get_by_role("button", name="Train the model").dblclick()
    alice.get_by_text("alice.sla-escalation-queue-flooded v1 is your @champion").wait_for(
        timeout=180_000)
    bob.get_by_text("bob.sla-escalation-queue-flooded v1 is your @champion").wait_for(
        timeout=180_000)

    for page in (alice, bob):
        page.get_by_role("button", name="Deploy behind FastAPI").click()
        page.get_by_text("latency p99").wait_for(timeout=120_000)
        no_error_box(page)
    assert metric(alice, "model version") == "1" and metric(bob, "model version") == "1"

    # Both send production at once; each monitors its own run only.
    for page in (alice, bob):
        page.get_by_role("button", name="Send production traffic").click()
    for page in (alice, bob):
        page.get_by_text("Why this window alerted").or_(
            page.get_by_text("Nothing in this window crossed")).wait_for(timeout=180_000)
        no_error_box(page)
    assert metric(alice, "predictions") == "4,500"
    assert metric(bob, "predictions") == "3,000"

    # Alice submits a diagnosis; her locked attempt and its feedback survive a visit to
    # Progress and back, and Bob's Progress knows nothing of it.
    alice.get_by_text("Pipeline fault (what the model receives is broken)").click()
    alice.get_by_role("button", name="Submit the diagnosis").click()
    alice.get_by_text("Attempt 1 submitted").wait_for(timeout=120_000)
    no_error_box(alice)
    alice.get_by_role("link", name="Progress").click()
    alice.get_by_text("Open a past attempt").wait_for(timeout=60_000)
    alice.get_by_role("link", name="Scenario").click()
    alice.get_by_text("Attempt 1 submitted").wait_for(timeout=120_000)
    assert alice.get_by_text("6. Feedback").count() == 1
    bob.get_by_role("link", name="Progress").click()
    bob.get_by_text("No attempt yet").wait_for(timeout=60_000)
    bob.get_by_role("link", name="Scenario").click()
    bob.get_by_text("4. Production").wait_for(timeout=120_000)

    # Bob trains again: his v2 is his alone; Alice's page and server are untouched.
    bob.get_by_role("button", name="Train the model").click()
    bob.get_by_text("bob.sla-escalation-queue-flooded v2 is your @champion").wait_for(
        timeout=180_000)
    server = re.search(r"at (http://127\.0\.0\.1:\d+)", alice.inner_text("body")).group(1)
    served = httpx.get(f"{server}/models", timeout=10).json()
    assert served["alice.sla-escalation-queue-flooded"] == 1
    assert served["bob.sla-escalation-queue-flooded"] == 1  # Bob has not deployed v2
    assert metric(alice, "model version") == "1"
    assert metric(alice, "predictions") == "4,500"

    alice.get_by_text("4. Production").evaluate(
        "e => e.scrollIntoView({block: 'start'})")
    time.sleep(2)  # let the charts draw
    shot = shoot(alice, "production.png", screenshot_dir)
    assert shot.stat().st_size > 50_000

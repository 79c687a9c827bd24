"""The app in a real browser: Debian's Chromium driven by Playwright, over a real
Streamlit server.

Screenshots go to a temporary folder, so a test run never rewrites the tracked ones. To
refresh the README's pictures on purpose:
``LAB_SCREENSHOT_DIR=docs/screenshots bash scripts/test.sh tests/ui/test_browser.py``.
"""

import time

import pytest

from tests.ui.browser import assert_no_error_box

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SCENARIO = "sla-escalation-queue-flooded"


def test_walk_a_scenario_in_chromium(browser, screenshot_dir, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.goto(f"{app_url}/?ws=browser")  # a workspace, as a bookmark brings it
    page.get_by_text("The escalation queue is full of tickets that were fine").wait_for(
        timeout=60_000)
    assert_no_error_box(page, "opening the catalogue")
    page.screenshot(path=str(screenshot_dir / "catalogue.png"))

    # Streamlit marks a keyed widget's container with the class st-key-<key>: this finds
    # the scenario's own card however many scenarios the catalogue holds.
    page.locator(f".st-key-catalogue_open_{SCENARIO} button").click()
    page.get_by_text("1. Brief").wait_for(timeout=60_000)
    assert_no_error_box(page, "opening the scenario")
    page.get_by_text("Lab settings").click()
    for label, value in (("Training rows", "10500"), ("Production rows", "6000")):
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        time.sleep(0.5)
    assert_no_error_box(page, "setting the row counts")
    page.get_by_role("button", name="Train the model").click()
    page.get_by_text("is your @champion").wait_for(timeout=120_000)
    assert_no_error_box(page, "training")
    page.get_by_role("button", name="Deploy behind FastAPI").click()
    page.get_by_text("latency p99").wait_for(timeout=120_000)
    assert_no_error_box(page, "deploying")
    page.get_by_role("button", name="Send production traffic").click()
    page.get_by_text("Drift per feature").wait_for(timeout=180_000)
    page.get_by_text("4. Production").evaluate("e => e.scrollIntoView({block: 'start'})")
    time.sleep(2)  # let the charts draw
    assert_no_error_box(page, "sending production traffic")
    page.screenshot(path=str(screenshot_dir / "production.png"))
    text = page.inner_text("body")

    # Diagnose, then apply a remedy and watch the next week run through the server.
    page.get_by_text("Prior shift (the base rate changed)").click()
    page.get_by_role("button", name="Submit the diagnosis").click()
    page.get_by_text("Attempt 1 submitted").wait_for(timeout=120_000)
    assert_no_error_box(page, "submitting the diagnosis")
    page.get_by_text("Re-threshold the live model").click()
    page.get_by_role("button", name="Apply and run the next week").click()
    page.get_by_text("Cost a day, next week").wait_for(timeout=240_000)
    assert_no_error_box(page, "applying a remedy")
    page.get_by_text("7. Remedy").evaluate("e => e.scrollIntoView({block: 'start'})")
    time.sleep(1)
    page.screenshot(path=str(screenshot_dir / "remedy.png"))
    remedy_text = page.inner_text("body")
    assert "6,000" in text and "server p99" in text
    assert "re-threshold" in remedy_text.lower() and "Cost a day, before" in remedy_text
    assert (screenshot_dir / "production.png").stat().st_size > 50_000

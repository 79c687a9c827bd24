"""The app in a real browser: Debian's Chromium driven by Playwright, over a real
Streamlit server.

Screenshots go to a temporary folder, so a test run never rewrites the tracked ones. To
refresh the README's pictures on purpose:
``LAB_SCREENSHOT_DIR=docs/screenshots bash scripts/test.sh tests/ui/test_browser.py``.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lab.serve.process import free_port
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "sla-escalation-queue-flooded"
# What Streamlit draws for an uncaught exception and for st.error.
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
RUNNING = '[data-testid="stStatusWidgetRunningIcon"]'  # Streamlit's "Running..." man


@pytest.fixture
def chromium() -> str:
    # LAB_CHROMIUM names another build (and lets one check what happens without any).
    path = os.environ.get("LAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        require_or_skip(f"the browser test needs Debian's chromium package "
                        f"(apt-get install chromium); {path} does not exist")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_or_skip("the browser test needs playwright (pip install -e '.[dev]')")
    return path


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    chosen = os.environ.get("LAB_SCREENSHOT_DIR")
    folder = ROOT / chosen if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def streamlit_url(lab_home, tmp_path):
    port = free_port()
    env = {**os.environ, "LAB_HOME": str(lab_home), "MLFLOW_DISABLE_TELEMETRY": "true"}
    log_path = tmp_path / "streamlit.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                                 "--server.port", str(port), "--server.headless", "true",
                                 "--server.address", "127.0.0.1",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=log, stderr=log,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not come up on {url}:\n"
                            + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
        proc.wait(30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def assert_no_error_box(page, step: str) -> None:
    # Let the script run finish first: an error drawn after the awaited text counts too.
    page.locator(RUNNING).wait_for(state="detached", timeout=180_000)
    boxes = page.locator(ERROR_BOXES)
    if boxes.count():
        pytest.fail(f"an error box is on the page after {step}:\n{boxes.first.inner_text()}")


def test_walk_a_scenario_in_chromium(chromium, screenshot_dir, streamlit_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1300})
        page.goto(f"{streamlit_url}/?ws=browser")  # a workspace, as a bookmark brings it
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
        browser.close()
    assert "6,000" in text and "server p99" in text
    assert "re-threshold" in remedy_text.lower() and "Cost a day, before" in remedy_text
    assert (screenshot_dir / "production.png").stat().st_size > 50_000

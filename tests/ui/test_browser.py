"""The app in a real browser: Debian's Chromium driven by Playwright, over a real
Streamlit server. Saves the screenshot the README shows."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lab.serve.process import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def streamlit_url(lab_home):
    port = free_port()
    env = {**os.environ, "LAB_HOME": str(lab_home), "MLFLOW_DISABLE_TELEMETRY": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package")
def test_walk_a_scenario_in_chromium(streamlit_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1300})
        page.goto(streamlit_url)
        page.get_by_text("The response clock that went 60x slow").wait_for(timeout=60_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "catalogue.png"))

        # The catalogue's third card is the unit-change scenario (files sort by id).
        page.get_by_role("button", name="Open").nth(2).click()
        page.get_by_text("1. Brief").wait_for(timeout=60_000)
        page.get_by_text("Lab settings").click()
        for label, value in (("Training rows", "10500"), ("Production rows", "6000")):
            box = page.get_by_label(label)
            box.fill(value)
            box.press("Enter")
            time.sleep(0.5)
        page.get_by_role("button", name="Train the model").click()
        page.get_by_text("is the @champion").wait_for(timeout=120_000)
        page.get_by_role("button", name="Deploy behind FastAPI").click()
        page.get_by_text("latency p99").wait_for(timeout=120_000)
        page.get_by_role("button", name="Send production traffic").click()
        page.get_by_text("Drift per feature").wait_for(timeout=180_000)
        page.get_by_text("4. Production").evaluate("e => e.scrollIntoView({block: 'start'})")
        time.sleep(2)  # let the charts draw
        page.screenshot(path=str(SCREENSHOTS / "production.png"))
        text = page.inner_text("body")
        browser.close()
    assert "6,000" in text and "server p99" in text
    assert (SCREENSHOTS / "production.png").stat().st_size > 50_000

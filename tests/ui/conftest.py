"""What every browser test needs: Debian's Chromium, driven by Playwright, over a real
Streamlit server started for the test on a free port (with the test's own LAB_HOME)."""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture
def chromium() -> str:
    # LAB_CHROMIUM names another build (and lets one check what happens without any).
    path = os.environ.get("LAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        require_or_skip(f"the browser tests need Debian's chromium package "
                        f"(apt-get install chromium); {path} does not exist")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_or_skip("the browser tests need playwright (pip install -e '.[dev]')")
    return path


@pytest.fixture
def browser(chromium):
    """A headless Chromium; open a context per user with ``browser.new_context()``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def start_app(lab_home, tmp_path):
    """``start_app(**env)`` starts the app with extra environment and returns its URL; the
    server stops after the test. Its output is in ``tmp_path/streamlit-N.log``."""
    started: list[subprocess.Popen] = []

    def start(**extra_env: str) -> str:
        port = free_port()
        env = {**os.environ, "LAB_HOME": str(lab_home), "MLFLOW_DISABLE_TELEMETRY": "true",
               **extra_env}
        log_path = tmp_path / f"streamlit-{len(started)}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                 "--server.port", str(port), "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not come up on {url}:\n"
                            + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.3)
        return url

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
        proc.wait(30)


@pytest.fixture
def app_url(start_app) -> str:
    """The app on its defaults."""
    return start_app()


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where a test's screenshots go: a temporary folder, so a test run never rewrites the
    tracked ones; ``LAB_SCREENSHOT_DIR=docs/screenshots`` refreshes the README's on purpose."""
    chosen = os.environ.get("LAB_SCREENSHOT_DIR")
    folder = ROOT / chosen if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False

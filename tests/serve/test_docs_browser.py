"""/docs and /redoc render in Chromium with every request to another host blocked."""

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="needs Debian's chromium package")]


def test_api_docs_render_offline(served):
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_this_server(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", only_this_server)
            page.goto(f"{served.url}/docs")
            operation = page.locator(".opblock-summary-path",
                                     has_text="/models/{name}/predict")
            operation.first.wait_for(timeout=30_000)
            assert page.locator(".opblock-summary-method", has_text="POST").count() >= 3
            assert page.locator(".swagger-ui .info .title").inner_text().startswith(
                "Driftlab model server")

            page.goto(f"{served.url}/redoc")
            heading = page.locator("h2", has_text="Score one record or a batch")
            heading.first.wait_for(timeout=30_000)  # ReDoc drew the predict operation
        finally:
            browser.close()
    assert blocked == [], f"the docs asked for other hosts: {blocked}"

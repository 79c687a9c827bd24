"""The browser fixtures of tests/ui, for the Load test panel's walk in Chromium."""

from tests.ui.conftest import browser, chromium, screenshot_dir, start_app  # noqa: F401

"""Checks the browser tests share: error boxes, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

# What Streamlit draws for an uncaught exception and for st.error.
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
RUNNING = '[data-testid="stStatusWidgetRunningIcon"]'  # Streamlit's "Running..." man


def no_error_box(page) -> None:
    """No uncaught exception is drawn on the page now."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def assert_no_error_box(page, step: str) -> None:
    """After the script run in progress finishes, no exception nor st.error is on the page."""
    # Let the script run finish first: an error drawn after the awaited text counts too.
    page.locator(RUNNING).wait_for(state="detached", timeout=180_000)
    boxes = page.locator(ERROR_BOXES)
    if boxes.count():
        pytest.fail(f"an error box is on the page after {step}:\n{boxes.first.inner_text()}")


def shoot(page, name: str, folder: Path) -> Path:
    path = folder / name
    page.screenshot(path=str(path))
    return path

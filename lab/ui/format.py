"""Numbers and times written for people, the same way on every page."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} ms"


def share(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def money(value: float | None, currency: str = "") -> str:
    return "–" if value is None else f"{value:,.0f} {currency}".strip()


def duration(value: timedelta) -> str:
    """'2 days', '36 hours', '45 minutes' rather than '2 days, 0:00:00'."""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    hours = seconds / 3_600
    return f"{hours:.1f} hours"


def moment(value) -> str:
    """A stream time as 'Tue 03 Feb 14:00'."""
    return pd.Timestamp(value).strftime("%a %d %b %H:%M")


def day(value) -> str:
    return pd.Timestamp(value).strftime("%a %d %b")

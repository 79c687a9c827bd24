"""One rounding rule for every score the lab shows (feedback, progress, CLI).

Scores are kept to one decimal place, rounded half up, and shown the same way everywhere,
so the progress page never says 85.7 where the feedback said 86.
"""

from __future__ import annotations

import math


def round_score(points: float) -> float:
    """Half up to one decimal: 85.74 -> 85.7, 85.75 -> 85.8 (not banker's rounding)."""
    return math.floor(float(points) * 10 + 0.5 + 1e-9) / 10


def format_score(points: float, maximum: float | None = None) -> str:
    """'85.7' or '85.7 / 100'; whole numbers lose the '.0'."""
    text = f"{round_score(points):.1f}".removesuffix(".0")
    return text if maximum is None else f"{text} / {format_score(maximum)}"

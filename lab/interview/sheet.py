"""The interviewer's scoring sheet: five interview signals on a four-level scale, with
notes, beside the automatic grade, and an override of the automatic total with a reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SIGNALS = ("problem framing", "metric choice", "diagnosis", "remediation", "communication")
# Four levels, no middle: the interviewer has to lean one way.
LEVELS = ("no signal", "weak", "adequate", "strong")
LEVEL_POINTS = {level: i for i, level in enumerate(LEVELS)}  # 0..3 per signal


class SheetError(ValueError):
    """A sheet entry that cannot be kept: names the field and what is allowed."""


@dataclass
class ScoreSheet:
    """Levels and notes per signal (a signal not yet scored is absent), and the override."""

    levels: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    override_total: float | None = None
    override_reason: str = ""

    def score(self, signal: str, level: str, notes: str = "") -> ScoreSheet:
        if signal not in SIGNALS:
            raise SheetError(f"signal: {signal!r} is not one of {list(SIGNALS)}")
        if level not in LEVELS:
            raise SheetError(f"level: {level!r} is not one of {list(LEVELS)}")
        self.levels[signal] = level
        self.notes[signal] = notes.strip()
        return self

    def override(self, total: float | None, reason: str = "") -> ScoreSheet:
        """Replace the automatic total (``None`` removes the override); a reason is required."""
        if total is None:
            self.override_total, self.override_reason = None, ""
            return self
        try:
            total = float(total)
        except (TypeError, ValueError):
            raise SheetError(f"override_total: {total!r} is not a number") from None
        if not 0 <= total <= 100:
            raise SheetError(f"override_total: {total:g} must be between 0 and 100")
        if not reason.strip():
            raise SheetError("override_reason: say why the automatic total is overridden")
        self.override_total, self.override_reason = total, reason.strip()
        return self

    def interview_score(self) -> float | None:
        """The signals scored, out of 100 (each level 0-3 of 3); None before any is."""
        if not self.levels:
            return None
        points = sum(LEVEL_POINTS[level] for level in self.levels.values())
        return round(100 * points / (3 * len(self.levels)), 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScoreSheet:
        return cls(**(data or {}))


def final_total(automatic: float | None, sheet: ScoreSheet) -> float | None:
    """The total the report stands by: the interviewer's override, else the automatic."""
    return sheet.override_total if sheet.override_total is not None else automatic

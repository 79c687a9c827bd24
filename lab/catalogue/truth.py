"""The truth as the lab shows it: the drift plan with ``hurts_model`` measured.

The plan's truth records carry ``hurts_model = None`` (a fault's kind does not decide
whether it hurts); wherever the truth is revealed (``driftlab run --reveal``, ``driftlab
monitor --reveal``, a grade) it is measured first for the model that served the stream,
by :func:`lab.drift.harm.measure_harm`.
"""

from __future__ import annotations

from typing import Any

from lab.scenario import Scenario


def measured_truth(scenario: Scenario, pipeline, threshold: float, seed: int = 0,
                   rows: int | None = None, reference_rows: int | None = None
                   ) -> list[dict[str, Any]]:
    """The truth of the stream ``(scenario, rows, seed, reference_rows)`` with every
    record's ``hurts_model`` measured for ``pipeline`` at ``threshold``."""
    from lab.drift.harm import measure_harm

    if not scenario.drift:
        return []
    truths = measure_harm(scenario, pipeline, float(threshold), seed=seed, rows=rows,
                          reference_rows=reference_rows)
    return [t.to_dict() for t in truths]


def measured_truth_of_champion(scenario: Scenario, model: str, seed: int = 0,
                               rows: int | None = None, reference_rows: int | None = None
                               ) -> list[dict[str, Any]]:
    """:func:`measured_truth` for ``model``'s @champion (its reference's pipeline, its
    threshold, and by default its training rows)."""
    from lab.monitor import build_reference

    reference = build_reference(model)
    return measured_truth(scenario, reference.pipeline, reference.threshold, seed, rows,
                          reference_rows or reference.card["reference_rows"])

"""The model lifecycle through MLflow aliases: a retrained challenger, promotion, roll-back
and a new threshold on the live model. Every alias move is recorded
(:func:`lab.tracking.alias_history`); a server follows ``@champion`` when it reloads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lab import tracking
from lab.evaluation import OperatingPoint, classification_metrics
from lab.remediation.retrain import Live, RemedyError, refit, training_data
from lab.remediation.week import Span
from lab.train import model_card


@dataclass(frozen=True)
class Challenger:
    name: str
    version: int
    run_id: str
    operating_point: OperatingPoint
    lineage: dict[str, str]
    live: Live


def live_model(name: str, alias: str = tracking.CHAMPION) -> tuple[Live, dict]:
    """The model behind ``name@alias`` as it serves (its deployed threshold) and its card."""
    champion = tracking.load_champion(name, alias)
    return (Live(champion.pipeline, float(champion.card["threshold"]["threshold"]),
                 champion.version), champion.card)


def retrain_challenger(span: Span, name: str, live: Live, card: dict, source: str = "both",
                       since: pd.Timestamp | None = None, until: pd.Timestamp | None = None
                       ) -> Challenger:
    """Refit on the chosen data and register it as ``name@challenger``; its run carries
    the lineage (source, window, rows of each kind) as tags and in its card."""
    scenario = span.scenario
    schema = scenario.world_.schema
    data = training_data(span, source, live, since=since, until=until)
    pipeline, point = refit(scenario, data, span.seed)
    held = data.frame.iloc[int(len(data.frame) * 0.75):]
    y, scores = held[schema.target].to_numpy(), pipeline.predict_proba(held[schema.names])[:, 1]
    metrics = classification_metrics(y, scores, point.threshold)
    lineage = {**data.lineage(), "driftlab.retrained_from": str(live.version or "")}
    # The monitoring reference stays the scenario's reference (the card's size and seed).
    new_card = model_card(scenario, span.seed, card.get("reference_rows", 0), point, metrics,
                          example=data.frame[schema.names].iloc[0])
    new_card["workspace"] = card.get("workspace")
    new_card["training_data"] = lineage
    example = data.frame[schema.names].head(100).astype({c: np.float64 for c in schema.numeric})
    registered = tracking.log_training(
        scenario_id=scenario.id, model_name=name, pipeline=pipeline,
        params={"scenario": scenario.id, "seed": span.seed, "rows": len(data.frame),
                "model": scenario.model.kind, "threshold": point.threshold,
                "data.source": source},
        metrics={f"holdout_{k}": v for k, v in metrics.items()
                 if isinstance(v, (int, float)) and np.isfinite(v)},
        figures={}, card=new_card, input_example=example,
        output_example=pipeline.predict_proba(example)[:, 1],
        alias=tracking.CHALLENGER, tags=lineage, action="retrain")
    return Challenger(name, registered.version, registered.run_id, point, lineage,
                      Live(pipeline, point.threshold, registered.version))


def promote(name: str, note: str = "") -> tuple[int | None, int]:
    """``@champion`` moves to the ``@challenger``'s version: (from, to)."""
    target = tracking.champion_version(name, tracking.CHALLENGER)
    if target is None:
        raise RemedyError(f"promote: {name!r} has no @challenger (retrain first)")
    return tracking.move_alias(name, tracking.CHAMPION, target, "promote", note), target


def roll_back(name: str, to: int | None = None, note: str = "") -> tuple[int | None, int]:
    """``@champion`` moves back: to version ``to``, or to the version it held before its
    last move. Returns (from, to)."""
    if to is None:
        moves = [m for m in tracking.alias_history(name)
                 if m["alias"] == tracking.CHAMPION and m["from"] is not None]
        if not moves:
            raise RemedyError(f"roll-back: {name!r} has no earlier @champion to go back to")
        to = int(moves[-1]["from"])
    return tracking.move_alias(name, tracking.CHAMPION, to, "roll-back", note), to


def set_live_threshold(name: str, threshold: float) -> int:
    """A new operating threshold on the live (``@champion``) version."""
    try:
        return tracking.set_threshold(name, threshold)
    except ValueError as exc:
        raise RemedyError(f"threshold: {exc}") from None

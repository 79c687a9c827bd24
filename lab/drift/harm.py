"""Whether a fault hurts the model: measured on the stream, never declared by its kind.

For each injection of a plan, the model scores the production stream twice, with and
without that fault, from the fault's onset on, and the two are compared row by row on
the model's *regret*: the expected cost of its decision on a row minus the expected cost
of the best decision for that row, both taken under the P(y | x) the row's label was
really drawn from (the lab knows it; :meth:`Injector.label_probability`):

    regret = mean over rows of  cost(model's decision | p) - min(cost(alert | p), cost(none | p))
    with     cost(alert | p) = (1 - p) * false_positive,   cost(none | p) = p * false_negative

    hurts_model = the regret on the faulty stream exceeds the regret on the clean stream
                  by more than 5% (RELATIVE) of the model's expected cost per row on the
                  clean stream, and by more than 2 standard errors (SIGMAS; a paired
                  Poisson bootstrap over rows, RESAMPLES resamples, seeded).

Regret, not raw cost: a real shift that brings more positives raises every policy's
cost, and a calibrated model keeps deciding as well as it can; what counts is the cost
the model adds above the best possible. A stale threshold after a prior shift, a broken
or skewed feature, a category the model never saw and a leak it learnt all add regret.
Rows the server refuses (an upstream schema change) get no alert: the caller goes on
without a score. Training-time faults (label leakage) compare the model trained on the
leaky data with one trained on clean data, on the same clean stream. A label outage or a
feedback loop blinds the monitor; they do not change the model's decisions, so they
measure as harmless to the model. Where the scenario has a review capacity, alerts past
a day's capacity go unreviewed and count as no alert (a flood of alerts hides the breaches
it should have caught), on both streams alike. Realised cost, precision and recall of
both streams are reported beside the verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from lab.drift import Injector, Truth, apply_plan
from lab.drift.delivery import refused

RELATIVE = 0.05
SIGMAS = 2.0
RESAMPLES = 200
RULE = (f"hurts when the model's regret (expected cost above the best decision under the true "
        f"P(y|x)) on the faulty stream from the onset exceeds its regret on the same stream "
        f"without the fault by more than {RELATIVE:.0%} of its clean expected cost per row and "
        f"by more than {SIGMAS:g} bootstrap standard errors")


@dataclass(frozen=True)
class Harm:
    """The measurement behind one truth's ``hurts_model``."""

    hurts: bool
    added_regret: float  # per row, faulty minus clean, in the scenario's cost unit
    standard_error: float
    relative: float  # added regret / clean expected cost per row
    rows: int
    clean: dict[str, float]
    faulty: dict[str, float]
    rule: str = RULE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def outcome(y: np.ndarray, decisions: np.ndarray, fp_cost: float, fn_cost: float
            ) -> dict[str, float]:
    """Cost, normalised cost, precision and recall of ``decisions`` against labels ``y``."""
    y = np.asarray(y, dtype=bool)
    d = np.asarray(decisions, dtype=bool)
    tp, fp, fn = int((d & y).sum()), int((d & ~y).sum()), int((~d & y).sum())
    cost = fp * fp_cost + fn * fn_cost
    return {"cost_per_row": cost / max(len(y), 1),
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "base_rate": float(y.mean()) if len(y) else float("nan")}


def regret(p: np.ndarray, decisions: np.ndarray, fp_cost: float, fn_cost: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the expected cost of ``decisions`` and its excess over the best decision."""
    p = np.asarray(p, dtype=float)
    alert, none = (1 - p) * fp_cost, p * fn_cost
    expected = np.where(np.asarray(decisions, dtype=bool), alert, none)
    return expected, expected - np.minimum(alert, none)


def compare(clean: tuple, faulty: tuple, fp_cost: float, fn_cost: float, seed: int = 0,
            resamples: int = RESAMPLES) -> Harm:
    """Apply the rule to two aligned streams, each ``(p, labels, decisions)``: row ``i``
    of one is row ``i`` of the other."""
    (p_c, y_c, d_c), (p_f, y_f, d_f) = clean, faulty
    n = len(p_c)
    if n != len(p_f) or n == 0:
        raise ValueError("the clean and faulty streams must be aligned and not empty")
    expected_c, regret_c = regret(p_c, d_c, fp_cost, fn_cost)
    _, regret_f = regret(p_f, d_f, fp_cost, fn_cost)
    added = regret_f - regret_c
    weights = np.random.default_rng(seed).poisson(1.0, size=(resamples, n)).astype(np.float32)
    totals = np.maximum(weights.sum(axis=1), 1.0)
    boot = (weights @ added.astype(np.float32)) / totals
    point, se = float(added.mean()), float(np.std(boot, ddof=1))
    scale = max(float(expected_c.mean()), 1e-12)
    hurts = point > RELATIVE * scale and point > SIGMAS * se
    return Harm(hurts=bool(hurts), added_regret=round(point, 4), standard_error=round(se, 4),
                relative=round(point / scale, 4), rows=n,
                clean=_rounded({**outcome(y_c, d_c, fp_cost, fn_cost),
                                "regret_per_row": regret_c.mean()}),
                faulty=_rounded({**outcome(y_f, d_f, fp_cost, fn_cost),
                                 "regret_per_row": regret_f.mean()}))


def decide(pipeline, frame: pd.DataFrame, names: list[str], threshold: float,
           capacity_per_day: float | None = None, timestamp: str = "timestamp") -> np.ndarray:
    """The model's alerts on ``frame`` that someone acts on: a refused request is no alert,
    and past a day's review capacity an alert goes unreviewed (first come, first served)."""
    scores = pipeline.predict_proba(frame[names])[:, 1]
    alerts = (scores >= threshold) & ~refused(frame)
    if capacity_per_day is None or timestamp not in frame:
        return alerts
    return alerts & within_capacity(frame[timestamp], alerts, capacity_per_day)


def within_capacity(times: pd.Series, alerts: np.ndarray, capacity_per_day: float
                    ) -> np.ndarray:
    """False for the alerts past the first ``capacity_per_day`` of their day, True elsewhere."""
    alerts = np.asarray(alerts, dtype=bool)
    days = pd.to_datetime(times).dt.floor("D").to_numpy()
    order = np.argsort(pd.to_datetime(times).to_numpy(), kind="stable")
    rank = np.empty(len(alerts), dtype=np.int64)
    # Per day, the running count of alerts in arrival order.
    counts = pd.Series(alerts[order].astype(np.int64)).groupby(days[order]).cumsum().to_numpy()
    rank[order] = counts
    return ~alerts | (rank <= capacity_per_day)


def measure_plan(world, plan: list[Injector], clean: pd.DataFrame, pipeline, threshold: float,
                 fp_cost: float, fn_cost: float, seed: int = 0,
                 clean_model: tuple[Any, float] | None = None,
                 capacity_per_day: float | None = None) -> list[Truth]:
    """The plan's truths with ``hurts_model`` measured, one injection at a time.

    ``clean`` is the production stream without any fault. ``clean_model`` (a pipeline
    and its threshold, trained on clean data) is needed for training-time faults.
    """
    names, target = world.schema.names, world.schema.target
    acted = {"capacity_per_day": capacity_per_day, "timestamp": world.schema.timestamp}
    truths = []
    for injector in plan:
        faulty, [truth] = apply_plan(clean, world, [injector])
        mask = injector.affected(len(clean), np.random.default_rng(injector.seed))
        p_clean = world.p_label(clean)
        p_faulty = injector.label_probability(world, clean, faulty, mask)
        rows = slice(min(truth.onset_row, len(clean) - 1), len(clean))
        if injector.stage == "training":
            if clean_model is None:
                raise ValueError(f"{injector.kind}: measuring a training-time fault needs "
                                 "clean_model, a model trained without it")
            baseline = decide(clean_model[0], clean.iloc[rows], names, clean_model[1], **acted)
        else:
            baseline = decide(pipeline, clean.iloc[rows], names, threshold, **acted)
        decided = decide(pipeline, faulty.iloc[rows], names, threshold, **acted)
        harm = compare((p_clean[rows], clean[target].iloc[rows], baseline),
                       (p_faulty[rows], faulty[target].iloc[rows], decided),
                       fp_cost, fn_cost, seed=seed)
        truths.append(replace(truth, hurts_model=harm.hurts,
                              details={**truth.details, "harm": harm.to_dict()}))
    return truths


def measure_harm(scenario, pipeline, threshold: float, seed: int = 0, rows: int | None = None,
                 reference_rows: int | None = None) -> list[Truth]:
    """The truths of ``scenario``'s production stream (as :func:`lab.data.production_frame`
    makes it for ``seed``) with ``hurts_model`` measured for ``pipeline`` at ``threshold``.

    For a training-time fault, a clean counterpart of the model is trained here the way
    :func:`lab.train.train` does (same kind, parameters, seed, split and threshold rule).
    """
    from lab.data import production_frame

    clean = production_frame(scenario.model_copy(update={"drift": []}), rows, seed,
                             reference_rows).frame
    plan = scenario.injectors(seed)
    clean_model = None
    if any(inj.stage == "training" for inj in plan):
        clean_model = _clean_model(scenario, seed, reference_rows)
    costs = scenario.costs
    return measure_plan(scenario.world_, plan, clean, pipeline, threshold,
                        costs.false_positive, costs.false_negative, seed, clean_model,
                        costs.review_capacity_per_day)


def _clean_model(scenario, seed: int, reference_rows: int | None) -> tuple[Any, float]:
    from lab.data import world_reference
    from lab.train import fit_and_choose, time_split

    frame = world_reference(scenario.world_, reference_rows or scenario.reference_rows, seed)
    fit_part, val_part, _ = time_split(frame)
    pipeline, point = fit_and_choose(scenario, fit_part, val_part, seed)
    return pipeline, point.threshold


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in values.items()}

"""Each fault injected alone into one clean production stream, and what it does.

For every example of :mod:`lab.taxonomy.examples` the same clean stream (the scenario's
production without its own plan) gets that one fault, and from the fault's onset on we
keep: the rows as they would have arrived and as they arrive, the model's scores on both,
the model's realised precision, recall and cost before and after (measured with
:mod:`lab.drift.harm`, whose verdict says whether the fault hurts), and what a monitor
could measure: the same metrics on the labels that actually come back. Alerts are counted
as the harm measurement counts them: a refused record is no alert, and past a day's review
capacity (when the scenario has one) an alert goes unread.

A training-time fault (label leakage) does not touch production: it is shown by training
a second model on the leaky reference and comparing it, on the clean stream, with the
champion trained on clean data; its offline test metrics (what it promised) come with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from lab.data import production_frame, world_reference
from lab.drift import Injector, Truth, apply_plan
from lab.drift.delivery import labels_arrive, refused
from lab.drift.harm import decide, measure_plan, outcome
from lab.evaluation import choose_threshold, classification_metrics
from lab.scenario import Scenario
from lab.taxonomy.examples import example_plan


@dataclass
class FaultEffect:
    """One fault, from its onset: inputs, scores and the model's metrics before and after."""

    truth: Truth
    before: pd.DataFrame = field(repr=False)   # the clean rows (what would have arrived)
    after: pd.DataFrame = field(repr=False)    # the same rows with the fault
    scores_before: np.ndarray = field(repr=False)
    scores_after: np.ndarray = field(repr=False)
    model_before: dict[str, float]             # the champion on the clean rows
    model_after: dict[str, float]              # the model in production on the faulty rows
    monitor_sees: dict[str, float]             # model_after on the labels that come back
    # A training-time fault: the (leaky) data the model learnt from, and what it promised.
    training: pd.DataFrame | None = field(default=None, repr=False)
    offline: dict[str, float] | None = None
    target: str = ""                           # the label's column

    @property
    def kind(self) -> str:
        return self.truth.kind

    @property
    def category(self) -> str:
        return self.truth.category

    @property
    def feature(self) -> str | None:
        """The input to look at: the first the fault concerns (None: no input changes)."""
        return self.truth.features[0] if self.truth.features else None

    @property
    def hurts(self) -> bool:
        return bool(self.truth.hurts_model)

    @property
    def harm(self) -> dict[str, Any]:
        return self.truth.details["harm"]


def fault_effects(scenario: Scenario, pipeline, threshold: float, rows: int | None = None,
                  seed: int = 0, kinds=None, onset: float = 0.5,
                  reference_rows: int | None = None,
                  plan: list[Injector] | None = None) -> list[FaultEffect]:
    """Every example fault (or those of ``kinds``) injected alone into ``scenario``'s clean
    production stream, scored by ``pipeline`` at ``threshold`` (the scenario's champion).

    ``rows`` and ``reference_rows`` size the stream and, for a training-time fault, the
    leaky training data, as :func:`lab.data.production_frame` and :func:`lab.train.train`
    take them. ``plan`` replaces the examples with injectors of one's own (each still
    injected alone).
    """
    world, costs = scenario.world_, scenario.costs
    clean = production_frame(scenario.model_copy(update={"drift": []}), rows, seed,
                             reference_rows).frame
    effects = []
    for injector in plan if plan is not None else example_plan(world, kinds, onset, seed):
        if injector.stage == "training":
            used, used_threshold, training, offline = _trained_with(scenario, injector, seed,
                                                                    reference_rows)
            clean_model = (pipeline, threshold)
        else:
            used, used_threshold, clean_model = pipeline, threshold, None
            training = offline = None
        [truth] = measure_plan(world, [injector], clean, used, used_threshold,
                               costs.false_positive, costs.false_negative, seed, clean_model,
                               costs.review_capacity_per_day)
        faulty, _ = apply_plan(clean, world, [injector])
        effects.append(_effect(scenario, truth, clean, faulty, pipeline, threshold, used,
                               used_threshold, training, offline))
    return effects


def _effect(scenario, truth, clean, faulty, pipeline, threshold, used, used_threshold,
            training, offline) -> FaultEffect:
    world, costs = scenario.world_, scenario.costs
    names, target = world.schema.names, world.schema.target
    rows = slice(min(truth.onset_row, len(clean) - 1), len(clean))
    before, after = clean.iloc[rows], faulty.iloc[rows]
    scores_before = pipeline.predict_proba(before[names])[:, 1]
    scores_after = used.predict_proba(after[names])[:, 1]
    # As the harm measurement decides: a record the server refuses gets no score, hence no
    # alert and no label to come back; past a day's review capacity an alert goes unread.
    acted = {"capacity_per_day": costs.review_capacity_per_day,
             "timestamp": world.schema.timestamp}
    decisions = decide(used, after, names, used_threshold, **acted)
    alerted_before = decide(pipeline, before, names, threshold, **acted)
    seen = labels_arrive(after, decisions) & ~refused(after)
    harm = truth.details["harm"]
    per_day = world.rows_per_day
    monitor = outcome(after[target].to_numpy()[seen], decisions[seen], costs.false_positive,
                      costs.false_negative)
    return FaultEffect(
        truth=truth, before=before, after=after, scores_before=scores_before,
        scores_after=scores_after,
        model_before=_per_day(harm["clean"], per_day, float(alerted_before.mean())),
        model_after=_per_day(harm["faulty"], per_day, float(decisions.mean())),
        monitor_sees={"precision": monitor["precision"], "recall": monitor["recall"],
                      "labelled_share": float(seen.mean())},
        training=training, offline=offline, target=target)


def _per_day(measured: dict[str, float], rows_per_day: float, alert_rate: float
             ) -> dict[str, float]:
    return {"precision": measured["precision"], "recall": measured["recall"],
            "base_rate": measured["base_rate"],
            "cost_per_day": measured["cost_per_row"] * rows_per_day,
            "alerts_per_day": alert_rate * rows_per_day}


def _trained_with(scenario: Scenario, injector: Injector, seed: int,
                  reference_rows: int | None
                  ) -> tuple[Any, float, pd.DataFrame, dict[str, float]]:
    """The scenario's model trained the way :func:`lab.train.train` does, on a reference
    that carries ``injector`` (a training-time fault), without registering it; with the
    metrics its own (equally leaky) test split reports."""
    from lab.models import build_pipeline
    from lab.train import time_split

    world, schema, costs = scenario.world_, scenario.world_.schema, scenario.costs
    frame = world_reference(world, reference_rows or scenario.reference_rows, seed)
    frame, _ = apply_plan(frame, world, [injector], stage="training")
    fit_part, val_part, test_part = time_split(frame)
    model = build_pipeline(scenario.model.kind, scenario.model.params, schema, seed)
    with threadpool_limits(limits=1):
        model.fit(fit_part[schema.names], fit_part[schema.target])
    chosen = choose_threshold(val_part[schema.target],
                              model.predict_proba(val_part[schema.names])[:, 1],
                              costs.false_positive, costs.false_negative, world.rows_per_day,
                              costs.review_capacity_per_day)
    test = classification_metrics(test_part[schema.target].to_numpy(),
                                  model.predict_proba(test_part[schema.names])[:, 1],
                                  chosen.threshold)
    promised = {k: test[k] for k in ("precision", "recall", "roc_auc")}
    return model, chosen.threshold, fit_part, promised


def effects_table(effects: list[FaultEffect]) -> pd.DataFrame:
    """One row per fault: what it is, whether it hurts, the model before and after, and
    what a monitor reading only the labels that come back would see."""
    rows = []
    for e in effects:
        rows.append({
            "kind": e.kind, "category": e.category, "stage": e.truth.stage,
            "features": ", ".join(e.truth.features), "hurts": e.hurts,
            "added_regret_share": e.harm["relative"],
            "precision_before": e.model_before["precision"],
            "precision_after": e.model_after["precision"],
            "recall_before": e.model_before["recall"], "recall_after": e.model_after["recall"],
            "cost_per_day_before": e.model_before["cost_per_day"],
            "cost_per_day_after": e.model_after["cost_per_day"],
            "alerts_per_day_before": e.model_before["alerts_per_day"],
            "alerts_per_day_after": e.model_after["alerts_per_day"],
            "monitor_precision": e.monitor_sees["precision"],
            "monitor_recall": e.monitor_sees["recall"],
            "labelled_share": e.monitor_sees["labelled_share"],
        })
    return pd.DataFrame(rows).set_index("kind")

"""The fault taxonomy: an example for every registered kind, each injected alone into one
clean stream, with the model's metrics before and after and what a monitor would see."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from lab.data import reference_frame
from lab.drift import DRIFTS, make_injector
from lab.models import build_pipeline
from lab.scenario import load_scenario
from lab.taxonomy import EXAMPLES, effects_table, example_plan, fault_effects
from lab.taxonomy.plots import gallery
from lab.train import time_split
from lab.worlds import make_world

ROWS = 6000


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("sla-low-scores-on-breached-tickets").model_copy(update={"drift": []})


@pytest.fixture(scope="module")
def champion(scenario):
    # The scenario's model fitted as lab.train does it, without MLflow (nothing to register).
    schema = scenario.world_.schema
    fit_part, _, _ = time_split(reference_frame(scenario, ROWS, 0))
    pipeline = build_pipeline("hist_gradient_boosting", {"max_iter": 60}, schema, 0)
    with threadpool_limits(limits=1):
        pipeline.fit(fit_part[schema.names], fit_part[schema.target])
    return pipeline, 0.05


@pytest.fixture(scope="module")
def effects(scenario, champion):
    return fault_effects(scenario, *champion, rows=ROWS, seed=1, reference_rows=ROWS)


def test_every_registered_kind_has_an_example_that_builds(scenario):
    assert set(EXAMPLES) == set(DRIFTS)
    plan = example_plan(scenario.world_)
    assert [i.kind for i in plan] == list(DRIFTS)
    assert all(i.onset == 0.5 and i.shape == "sudden" for i in plan)
    assert len({i.seed for i in plan}) == len(plan)


def test_bad_requests_are_named(scenario):
    with pytest.raises(ValueError, match="kinds: unknown fault kind"):
        example_plan(scenario.world_, ["no_such_kind"])
    with pytest.raises(ValueError, match="world: the examples are written for"):
        example_plan(make_world("wiki_comments"))


def test_each_fault_alone_with_its_measured_harm(effects):
    table = effects_table(effects)
    assert list(table.index) == list(DRIFTS)
    hurting = set(table.index[table["hurts"]])
    assert {"missing_values", "stuck_feature", "training_serving_skew"} <= hurting
    assert not hurting & {"feedback_loop", "label_outage", "benign_shift"}
    # Same rows before and after: the model's clean metrics do not depend on the fault.
    production = table.drop(index="label_leakage")
    assert production["recall_before"].nunique() == 1
    for kind in ("stuck_feature", "missing_values", "training_serving_skew"):
        assert table.loc[kind, "cost_per_day_after"] > 1.2 * table.loc[kind, "cost_per_day_before"]


def test_faults_that_leave_the_inputs_alone_leave_the_scores_alone(effects):
    by_kind = {e.kind: e for e in effects}
    for kind in ("prior_shift", "concept_drift", "feedback_loop", "label_outage"):
        e = by_kind[kind]
        assert e.feature is None or e.before[e.feature].equals(e.after[e.feature])
        assert np.allclose(e.scores_before, e.scores_after)
    assert not np.allclose(by_kind["unit_change"].scores_before,
                           by_kind["unit_change"].scores_after)
    unit = by_kind["unit_change"]
    ratio = (unit.after[unit.feature] / unit.before[unit.feature]).dropna()
    assert np.allclose(ratio[unit.before[unit.feature].dropna() > 0], 60)


def test_the_monitor_sees_only_the_labels_that_come_back(effects):
    table = effects_table(effects)
    assert table.loc["label_outage", "labelled_share"] == 0
    assert np.isnan(table.loc["label_outage", "monitor_recall"])
    loop = table.loc["feedback_loop"]
    assert 0 < loop["labelled_share"] < 1 and loop["monitor_recall"] > loop["recall_after"]
    assert table.loc["schema_change", "labelled_share"] < 1
    assert table.loc["missing_values", "monitor_recall"] == pytest.approx(
        table.loc["missing_values", "recall_after"], abs=1e-3)


def test_a_training_fault_trains_its_own_model_and_shows_what_it_promised(effects):
    leak = next(e for e in effects if e.kind == "label_leakage")
    assert leak.truth.stage == "training" and leak.training is not None
    assert leak.offline["recall"] > leak.model_after["recall"] + 0.2
    # The leak is in what the model learnt from, not in production.
    positives = leak.training[leak.training[leak.target] == 1]["watchers"].mean()
    assert positives > leak.after[leak.after[leak.target] == 1]["watchers"].mean() + 1


def test_an_own_plan_replaces_the_examples(scenario, champion):
    small = make_injector("missing_values", feature="team_load", rate=0.1, onset=0.5, seed=0)
    [effect] = fault_effects(scenario, *champion, rows=ROWS, seed=1, reference_rows=ROWS,
                             plan=[small])
    missing = effect.after["team_load"].isna().mean()
    assert 0.05 < missing < 0.15 and effect.before["team_load"].isna().mean() == 0


def test_the_gallery_has_a_panel_per_fault(effects):
    fig = gallery(effects, columns=4)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(effects)
    titles = [ax.get_title() for ax in visible]
    assert titles[0].startswith("covariate_shift")
    assert any("missing 0% -> 9" in t for t in titles)
    assert any("labels come back for 0%" in t for t in titles)

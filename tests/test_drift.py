"""Every drift kind changes what its truth record says, and nothing else."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lab.drift import DRIFTS, apply_plan, make_injector
from lab.drift.delivery import HIDDEN, LABEL_POLICY, RECORD_CHANGE
from lab.worlds import make_world

WORLD = make_world("support_tickets", response_missing_rate=0.15)
N = 21_000  # two whole weeks

# One example per registered kind; a new kind without an example fails the suite.
EXAMPLES = {
    "covariate_shift": [{"feature": "team_load", "scale": 1.5},
                        {"feature": "customer_tier", "mix": {"free": 0.2, "pro": 0.3,
                                                             "enterprise": 0.5}}],
    "prior_shift": [{"base_rate": 0.35}],
    "concept_drift": [{"weights": {"minutes_to_first_response": 0.0, "team_load": 2.5}}],
    "unit_change": [{"feature": "minutes_to_first_response", "factor": 60}],
    "missing_values": [{"feature": "team_load", "rate": 0.5},
                       {"feature": "channel", "rate": 0.5}],
    "null_to_default": [{"feature": "minutes_to_first_response", "default": 0}],
    "category_rename": [{"feature": "product_area", "mapping": {"api": "public_api"}}],
    "stuck_feature": [{"feature": "team_load"}, {"feature": "channel", "value": "chat"}],
    "unseen_category": [{"feature": "product_area", "value": "ai_assistant", "share": 0.3,
                         "effect": 1.0}],
    "schema_change": [{"feature": "team_load"},
                      {"feature": "watchers", "rename_to": "watcher_count",
                       "segment": {"channel": ["chat", "phone"]}}],
    "training_serving_skew": [{"feature": "open_backlog", "scale": 0.5, "noise": 0.4}],
    "label_leakage": [{"feature": "watchers", "strength": 2.0}],
    "feedback_loop": [{"labelled": "alerted", "audit_rate": 0.05}],
    "label_outage": [{"rate": 1.0}],
    "benign_shift": [{"feature": "description_length", "tilt": 1.5}],
    "benign_seasonality": [{"like_weekday": 6}],
}
# Selecting whole rows moves every input that goes with the selected one: tested apart.
SELECTING = {"benign_shift", "benign_seasonality"}
CASES = [(kind, params) for kind, examples in EXAMPLES.items() for params in examples
         if kind not in SELECTING]


def visible(frame):
    return frame.drop(columns=[c for c in HIDDEN if c in frame])


def test_every_registered_kind_has_an_example():
    assert set(EXAMPLES) == set(DRIFTS)


@pytest.fixture(scope="module")
def clean():
    return WORLD.sample(N, seed=11)


@pytest.fixture(scope="module")
def reference():
    return WORLD.sample(2 * N, seed=99)


def two_sample_p(a: pd.Series, b: pd.Series, categorical: bool) -> float:
    """KS for numbers, chi-square on the category counts (missing as its own level)."""
    if categorical:
        a, b = a.fillna("<missing>"), b.fillna("<missing>")
        table = pd.concat([a.value_counts(), b.value_counts()], axis=1).fillna(0)
        return float(stats.chi2_contingency(table.to_numpy().T)[1])
    missing = stats.fisher_exact([[a.isna().sum(), a.notna().sum()],
                                  [b.isna().sum(), b.notna().sum()]])[1]
    if a.notna().sum() < 2 or b.notna().sum() < 2:
        return float(missing)
    return float(min(missing, stats.ks_2samp(a.dropna(), b.dropna()).pvalue))


@pytest.mark.parametrize("kind, params", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_changes_what_the_truth_says_and_nothing_else(kind, params, clean, reference):
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": kind, "onset": 0.5, **params}])
    assert truth.kind == kind
    onset = 0 if truth.stage == "training" else N // 2  # a flawed model is flawed from day one
    assert truth.onset_row == onset
    assert truth.onset_time == str(clean["created_at"].iloc[onset])
    assert truth.root_cause and truth.shape == "sudden"
    before, after = slice(0, N // 2), slice(N // 2, N)
    # Nothing before the onset changes.
    pd.testing.assert_frame_equal(visible(drifted).iloc[before], clean.iloc[before],
                                  check_dtype=False)
    # Concept and prior drift change the labels, label faults what comes back, a renamed
    # field how the record travels, leakage the training data: their inputs stay.
    quiet = (truth.category in ("concept", "prior", "labels") or truth.stage == "training"
             or params.get("rename_to"))
    moved_inputs = set() if quiet else set(truth.features)
    for feature in WORLD.schema.features:
        p = two_sample_p(drifted[feature.name].iloc[after], reference[feature.name],
                         feature.kind == "categorical")
        if feature.name in moved_inputs:
            assert p < 1e-6, f"{feature.name} should have drifted (p={p:.3g})"
        else:
            assert p > 1e-3, f"{feature.name} should not have drifted (p={p:.3g})"
            pd.testing.assert_series_equal(drifted[feature.name], clean[feature.name],
                                           check_dtype=False)
    # Pipeline and label faults break what the model sees or learns, never the world.
    if truth.category in ("pipeline", "labels"):
        assert drifted["sla_breached"].equals(clean["sla_breached"])
    # Whether it hurts is measured later (lab.drift.harm), never declared.
    assert truth.hurts_model is None


def test_prior_shift_reaches_the_target_base_rate(clean):
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "prior_shift", "base_rate": 0.35}])
    assert truth.features == () and truth.category == "prior"
    after = drifted.iloc[N // 2:]
    # Half the stream is one week: compare with the world's own base rate over that week.
    expected = WORLD.with_params(base_rate=0.35).p_label(after).mean()
    assert after["sla_breached"].mean() == pytest.approx(expected, abs=0.015)
    assert after["sla_breached"].mean() == pytest.approx(0.35, abs=0.03)
    assert clean.iloc[N // 2:]["sla_breached"].mean() < 0.22


def test_concept_drift_leaves_p_x_alone_and_changes_p_y_given_x(clean):
    weights = {"minutes_to_first_response": 0.0, "team_load": 2.5}
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "concept_drift", "weights": weights}])
    features = WORLD.schema.names
    pd.testing.assert_frame_equal(drifted[features], clean[features])
    after = drifted.iloc[N // 2:]
    clean_after = clean.iloc[N // 2:]

    def breach_ratio(frame, rows):
        return frame.loc[rows, "sla_breached"].mean() / frame.loc[~rows, "sla_breached"].mean()

    # The same tickets: late responses matter much less (what is left comes through the
    # load, which sets response time); tickets of busy teams breach much more often.
    late = after["minutes_to_first_response"] > 200
    assert breach_ratio(clean_after, late) > 1.4
    assert breach_ratio(after, late) < breach_ratio(clean_after, late) - 0.3
    busy = after["team_load"] > after["team_load"].quantile(0.9)
    assert breach_ratio(after, busy) > 1.5 * breach_ratio(clean_after, busy)
    assert set(truth.features) == set(weights)


def test_gradual_onset_ramps_and_recurring_alternates():
    injector = make_injector("unit_change", feature="team_load", onset=0.2, shape="gradual",
                             width=0.4, seed=3)
    mask = injector.affected(10_000, np.random.default_rng(3))
    share = [mask[i:i + 1000].mean() for i in range(0, 10_000, 1000)]
    assert share[0] == share[1] == 0.0
    assert share[2] < share[4] < share[5] and share[6] >= 0.95 and share[9] == 1.0
    recurring = make_injector("unit_change", feature="team_load", onset=0.5, shape="recurring",
                              width=0.1).affected(10_000, np.random.default_rng(0))
    assert recurring[5000:6000].all() and not recurring[6000:7000].any()
    assert recurring[7000:8000].all() and not recurring[:5000].any()


def test_same_seed_same_drift(clean):
    plan = [{"kind": "missing_values", "feature": "team_load", "rate": 0.3, "seed": 5,
             "shape": "gradual"}]
    a, _ = apply_plan(clean, WORLD, plan)
    b, _ = apply_plan(clean, WORLD, plan)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("step, message", [
    ({"kind": "teleport"}, "unknown drift kind 'teleport'; allowed"),
    ({"kind": "unit_change", "feature": "colour"}, "unknown feature 'colour'"),
    ({"kind": "unit_change", "feature": "priority"}, "is categorical, needs numeric"),
    ({"kind": "unit_change", "feature": "team_load", "speed": 2}, "unknown parameter"),
    ({"kind": "unit_change"}, "missing 1 required"),
    ({"kind": "prior_shift", "base_rate": 0.3, "shape": "wobbly"}, "shape must be one of"),
])
def test_bad_drift_steps_are_named(step, message, clean):
    with pytest.raises(ValueError, match=message):
        apply_plan(clean.head(50), WORLD, [step])


# -- the newer kinds, one by one --

def test_stuck_feature_serves_the_last_value_before_the_onset(clean):
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "stuck_feature",
                                                  "feature": "team_load"}])
    last = clean["team_load"].iloc[N // 2 - 1]
    assert truth.details["stuck_value"] == pytest.approx(last)
    assert (drifted["team_load"].iloc[N // 2:] == last).all()
    assert drifted["team_load"].iloc[:N // 2].nunique() > 1000


def test_unseen_category_is_new_and_its_effect_reaches_the_labels(clean):
    plan = [{"kind": "unseen_category", "feature": "product_area", "value": "ai_assistant",
             "share": 0.4, "effect": 2.0, "seed": 1}]
    drifted, [truth] = apply_plan(clean, WORLD, plan)
    after = drifted.iloc[N // 2:]
    new = after["product_area"] == "ai_assistant"
    assert 0.35 < new.mean() < 0.45 and not (drifted.iloc[:N // 2]["product_area"]
                                            == "ai_assistant").any()
    assert "ai_assistant" not in WORLD.schema["product_area"].categories
    # A log-odds effect of +2 makes the new area's tickets breach far more often.
    assert after.loc[new, "sla_breached"].mean() > 2 * after.loc[~new, "sla_breached"].mean()
    assert truth.category == "covariate"


def test_schema_change_makes_a_segment_send_records_the_server_refuses(clean):
    from lab.drift.delivery import changed_records, refused
    from lab.traffic import records_of

    plan = [{"kind": "schema_change", "feature": "watchers", "rename_to": "watcher_count",
             "segment": {"channel": ["chat"]}}]
    drifted, [truth] = apply_plan(clean, WORLD, plan)
    segment = (drifted["channel"] == "chat").to_numpy()
    expected = segment & (np.arange(N) >= N // 2)
    np.testing.assert_array_equal(refused(drifted), expected)
    assert truth.details["rows_refused"] == expected.sum()
    assert truth.details["share_refused_after_onset"] == pytest.approx(
        segment[N // 2:].mean(), abs=1e-3)
    records = changed_records(drifted, records_of(drifted, WORLD.schema.names))
    i = int(np.flatnonzero(expected)[0])
    assert "watchers" not in records[i] and records[i]["watcher_count"] == \
        clean["watchers"].iloc[i]
    assert set(records[0]) == set(WORLD.schema.names)
    # A dropped field: the record arrives without it, the frame holds it as empty.
    dropped, _ = apply_plan(clean, WORLD, [{"kind": "schema_change", "feature": "team_load"}])
    assert dropped[RECORD_CHANGE].iloc[-1] == "drop:team_load"
    assert dropped["team_load"].iloc[N // 2:].isna().all()


def test_training_serving_skew_is_not_a_clean_multiple(clean):
    plan = [{"kind": "training_serving_skew", "feature": "open_backlog", "scale": 0.5,
             "noise": 0.4}]
    drifted, _ = apply_plan(clean, WORLD, plan)
    ratio = (drifted["open_backlog"] / clean["open_backlog"]).iloc[N // 2:]
    assert ratio.median() == pytest.approx(0.5, abs=0.05)
    assert ratio.std() > 0.1  # a unit change would give one ratio


def test_label_leakage_changes_training_data_only():
    reference = WORLD.sample(N, seed=3)
    plan = [{"kind": "label_leakage", "feature": "watchers", "strength": 2.0}]
    leaked, [truth] = apply_plan(reference, WORLD, plan, stage="training")
    positive = reference["sla_breached"] == 1
    gain = leaked["watchers"] - reference["watchers"]
    assert (gain[~positive] == 0).all() and gain[positive].mean() > 1.5 * reference[
        "watchers"].std()
    assert truth.stage == "training" and truth.onset_row == 0
    production, [truth] = apply_plan(reference, WORLD, plan)
    pd.testing.assert_frame_equal(production, reference)
    # Production-time kinds leave the training frame alone and report nothing there.
    same, truths = apply_plan(reference, WORLD, [{"kind": "unit_change", "feature": "team_load"}],
                              stage="training")
    assert truths == [] and same is reference


def test_feedback_loop_labels_only_what_the_model_flagged(clean):
    from lab.drift.delivery import labels_arrive

    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "feedback_loop",
                                                  "labelled": "alerted", "audit_rate": 0.1}])
    decisions = np.random.default_rng(99).random(N) < 0.2  # not the injector's own stream
    arrive = labels_arrive(drifted, decisions)
    assert arrive[:N // 2].all()
    after = slice(N // 2, N)
    assert arrive[after][decisions[after]].all()
    assert arrive[after][~decisions[after]].mean() == pytest.approx(0.1, abs=0.02)
    assert truth.features == () and truth.category == "labels"
    blocked, _ = apply_plan(clean, WORLD, [{"kind": "feedback_loop", "labelled": "not_alerted",
                                           "audit_rate": 0.0}])
    arrive = labels_arrive(blocked, decisions)
    assert not arrive[after][decisions[after]].any() and arrive[after][~decisions[after]].all()


def test_label_outage_stops_labels_after_the_onset(clean):
    from lab.drift.delivery import labels_arrive

    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "label_outage"}])
    arrive = labels_arrive(drifted)
    assert arrive[:N // 2].all() and not arrive[N // 2:].any()
    assert drifted[LABEL_POLICY].iloc[-1] == "never"


def test_benign_shift_selects_real_rows_so_labels_still_follow_p_y_given_x(clean):
    plan = [{"kind": "benign_shift", "feature": "team_load", "tilt": 2.0, "seed": 2}]
    drifted, [truth] = apply_plan(clean, WORLD, plan)
    after, clean_after = drifted.iloc[N // 2:], clean.iloc[N // 2:]
    assert after["team_load"].median() > 1.1 * clean_after["team_load"].median()
    # Every value stays inside what the world makes (no extrapolation) ...
    assert after["team_load"].max() < 1.5 * clean["team_load"].max()
    # ... and the labels are as P(y | x) says: calibrated against the world itself.
    p = WORLD.p_label(after)
    assert after["sla_breached"].mean() == pytest.approx(p.mean(), abs=0.015)
    assert truth.features == ("team_load",) and truth.category == "covariate"
    pd.testing.assert_frame_equal(drifted.iloc[:N // 2], clean.iloc[:N // 2], check_dtype=False)


def test_benign_seasonality_looks_like_a_sunday_with_the_true_clock(clean):
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": "benign_seasonality",
                                                  "like_weekday": 6, "seed": 4}])
    after, clean_after = drifted.iloc[N // 2:], clean.iloc[N // 2:]
    for calendar in ("hour", "weekday"):
        pd.testing.assert_series_equal(after[calendar], clean_after[calendar],
                                       check_dtype=False)
    weekday_rows = clean_after["weekday"] < 5
    # A Sunday's half-staffed shifts: heavier load on what are really weekdays.
    assert after.loc[weekday_rows, "team_load"].mean() > 1.3 * clean_after.loc[
        weekday_rows, "team_load"].mean()
    assert "team_load" in truth.features and "hour" not in truth.features
    p = WORLD.p_label(after)
    assert after["sla_breached"].mean() == pytest.approx(p.mean(), abs=0.015)


def feature_of(world, kind):
    """A feature of ``kind`` that every test can use: the first non-calendar one."""
    return next(f for f in world.schema.features if f.kind == kind and not f.seasonal)


def plan_for(world, kind):
    numeric = feature_of(world, "numeric")
    categorical = feature_of(world, "categorical")
    return {
        "covariate_shift": {"feature": numeric.name, "scale": 1.5},
        "prior_shift": {"base_rate": min(0.5, 2 * world.base_rate)},
        "concept_drift": {"weights": {numeric.name: 0.0}},
        "unit_change": {"feature": numeric.name, "factor": 60},
        "missing_values": {"feature": categorical.name, "rate": 0.5},
        "null_to_default": {"feature": numeric.name, "default": 0},
        "category_rename": {"feature": categorical.name,
                            "mapping": {categorical.categories[0]: "renamed"}},
        "stuck_feature": {"feature": numeric.name},
        "unseen_category": {"feature": categorical.name, "value": "brand_new", "effect": 1.0},
        "schema_change": {"feature": numeric.name, "rename_to": "renamed_field"},
        "training_serving_skew": {"feature": numeric.name, "scale": 0.7, "noise": 0.3},
        "label_leakage": {"feature": numeric.name},
        "feedback_loop": {"labelled": "alerted"},
        "label_outage": {},
        "benign_shift": {"feature": categorical.name, "favour": {categorical.categories[-1]: 3}},
        "benign_seasonality": {"like_weekday": 5},
    }[kind]


@pytest.mark.parametrize("world_kind", ["wiki_comments", "notifications", "marketplace_payments",
                                        "ci_pipelines", "cloud_workspaces"])
def test_every_kind_works_in_every_world(world_kind):
    world = make_world(world_kind)
    frame = world.sample(4000, seed=1)
    for kind in DRIFTS:
        step = {"kind": kind, "seed": 3, **plan_for(world, kind)}
        drifted, [truth] = apply_plan(frame, world, [step])
        assert len(drifted) == len(frame) and truth.kind == kind
        assert list(visible(drifted).columns) == list(frame.columns)
        assert set(truth.features) <= set(world.schema.names), kind
        if kind == "label_leakage":
            leaked, _ = apply_plan(frame, world, [step], stage="training")
            assert not leaked[truth.features[0]].equals(frame[truth.features[0]])

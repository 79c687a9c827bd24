"""Every drift kind changes what its truth record says, and nothing else."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lab.drift import DRIFTS, apply_plan, make_injector
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
}
CASES = [(kind, params) for kind, examples in EXAMPLES.items() for params in examples]


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
    return float(min(missing, stats.ks_2samp(a.dropna(), b.dropna()).pvalue))


@pytest.mark.parametrize("kind, params", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_changes_what_the_truth_says_and_nothing_else(kind, params, clean, reference):
    drifted, [truth] = apply_plan(clean, WORLD, [{"kind": kind, "onset": 0.5, **params}])
    assert truth.kind == kind
    assert truth.onset_row == N // 2
    assert truth.onset_time == str(clean["created_at"].iloc[N // 2])
    assert truth.root_cause and truth.shape == "sudden"
    before, after = slice(0, N // 2), slice(N // 2, N)
    # Nothing before the onset changes.
    pd.testing.assert_frame_equal(drifted.iloc[before], clean.iloc[before], check_dtype=False)
    # Concept and prior drift change the labels; their inputs keep their distribution.
    moved_inputs = set(truth.features) if truth.category not in ("concept", "prior") else set()
    for feature in WORLD.schema.features:
        p = two_sample_p(drifted[feature.name].iloc[after], reference[feature.name],
                         feature.kind == "categorical")
        if feature.name in moved_inputs:
            assert p < 1e-6, f"{feature.name} should have drifted (p={p:.3g})"
        else:
            assert p > 1e-3, f"{feature.name} should not have drifted (p={p:.3g})"
            pd.testing.assert_series_equal(drifted[feature.name], clean[feature.name],
                                           check_dtype=False)
    # Pipeline faults break what the model sees, never the world: labels stay.
    if truth.category == "pipeline":
        assert drifted["sla_breached"].equals(clean["sla_breached"])
        assert truth.hurts_model


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
    assert set(truth.features) == set(weights) and truth.hurts_model


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

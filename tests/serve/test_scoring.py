"""The compiled scorer gives the Pipeline's own probabilities, on every model kind."""

import numpy as np
import pandas as pd
import pytest

from lab.data import reference_frame
from lab.models import MODELS, build_pipeline
from lab.scenario import load_scenario
from lab.serve.scoring import SMALL_BATCH, CompiledScorer
from lab.traffic import records_of


@pytest.fixture(scope="module")
def data():
    scenario = load_scenario("sla-low-scores-on-breached-tickets")  # many missing response times
    frame = reference_frame(scenario, 8000, seed=5)
    return scenario.world_.schema, frame


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_compiled_scores_equal_the_pipeline(kind, data):
    schema, frame = data
    pipeline = build_pipeline(kind, {"max_iter": 60} if "hist" in kind else {}, schema, 0)
    pipeline.fit(frame[schema.names], frame[schema.target])
    scorer = CompiledScorer(pipeline, schema.names)
    assert scorer.compiled
    records = records_of(frame.sample(1500, random_state=2), schema.names)
    for i, r in enumerate(records[:300]):  # what production throws at it
        if i % 3 == 0:
            r["product_area"] = "brand_new_area"
        if i % 5 == 0:
            r["channel"] = None
        if i % 7 == 0:
            r["team_load"] = None
    expected = pipeline.predict_proba(pd.DataFrame(records, columns=schema.names))[:, 1]
    one_by_one = np.array([scorer.scores([r])[0] for r in records[:400]])
    np.testing.assert_allclose(one_by_one, expected[:400], rtol=0, atol=1e-12)
    small = np.concatenate([scorer.scores(records[i:i + SMALL_BATCH])
                            for i in range(0, len(records), SMALL_BATCH)])
    np.testing.assert_allclose(small, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scorer.scores(records), expected, rtol=0, atol=1e-12)


def test_unknown_structure_falls_back_to_the_pipeline(data):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    schema, frame = data
    inner = build_pipeline("logistic_regression", {}, schema, 0)
    pipeline = Pipeline([("noop", FunctionTransformer()), *inner.steps])
    pipeline.fit(frame[schema.names], frame[schema.target])
    scorer = CompiledScorer(pipeline, schema.names)
    assert not scorer.compiled
    records = records_of(frame.head(20), schema.names)
    np.testing.assert_allclose(scorer.scores(records),
                               pipeline.predict_proba(frame[schema.names].head(20))[:, 1])


# -- every finite float64: the scorer answers as the Pipeline does, or names the field ---

EXTREMES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.0 ** 63, -(2.0 ** 63),
            1e19, 1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308,
            3.5e38, float(10 ** 30)]


def pipeline_answer(pipeline, records, names):
    """The Pipeline's scores, or None where it cannot score (it raises or answers NaN)."""
    try:
        out = pipeline.predict_proba(pd.DataFrame(records, columns=names))[:, 1]
    except ValueError:
        return None
    return out if np.isfinite(out).all() else None


@pytest.fixture(scope="module")
def fitted(data):
    schema, frame = data
    out = {}
    for kind in sorted(MODELS):
        pipeline = build_pipeline(kind, {"max_iter": 60} if "hist" in kind else {}, schema, 0)
        pipeline.fit(frame[schema.names], frame[schema.target])
        out[kind] = pipeline
    return out


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_any_finite_float_scores_as_the_pipeline_or_names_the_field(kind, data, fitted):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from lab.serve.scoring import OutOfRange

    schema, frame = data
    pipeline = fitted[kind]
    scorer = CompiledScorer(pipeline, schema.names)
    assert scorer.compiled
    base = records_of(frame.head(SMALL_BATCH + 6), schema.names)
    number = st.one_of(st.sampled_from(EXTREMES),
                       st.floats(allow_nan=False, allow_infinity=False), st.none())
    record = st.fixed_dictionaries({n: number for n in schema.numeric})

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(change=record, row=st.integers(0, len(base) - 1), batched=st.booleans())
    def check(change, row, batched):
        records = [dict(r) for r in base] if batched else [dict(base[row])]
        at = row if batched else 0
        records[at].update(change)
        expected = pipeline_answer(pipeline, records, schema.names)
        if expected is None:
            with pytest.raises(OutOfRange) as caught:
                scorer.scores(records)
            assert caught.value.index == at and caught.value.field in schema.numeric
        else:
            np.testing.assert_allclose(scorer.scores(records), expected, rtol=0, atol=1e-12)

    check()


def test_values_past_two_to_the_63_score_on_the_tree_walk(data, fitted):
    """The bug an outside tester met: 1e19 crashed the one-record tree walk (IndexError)."""
    schema, frame = data
    pipeline = fitted["hist_gradient_boosting"]
    scorer = CompiledScorer(pipeline, schema.names)
    record = records_of(frame.head(1), schema.names)[0]
    for value in (1e19, 1e300, -1e300, float(10 ** 30)):
        changed = {**record, schema.numeric[0]: value}
        expected = pipeline.predict_proba(pd.DataFrame([changed], columns=schema.names))[:, 1]
        np.testing.assert_allclose(scorer.scores([changed]), expected, rtol=0, atol=1e-12)

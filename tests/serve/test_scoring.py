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
    scenario = load_scenario("sla-null-response")  # many missing response times
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

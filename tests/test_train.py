"""Training logs and registers in a real (temporary) MLflow store."""

import numpy as np
import pytest

from lab import tracking
from lab.data import reference_frame
from lab.scenario import list_scenarios
from lab.train import train


def test_train_logs_registers_and_the_champion_predicts(scenario, lab_home):
    result = train(scenario, seed=3, rows=6000)
    assert result.version == 1 and result.model_name == scenario.id
    champion = tracking.load_champion(scenario.id)
    assert champion.version == 1 and champion.run_id == result.run_id
    frame = reference_frame(scenario, 6000, seed=3)
    X = frame[scenario.world_.schema.names].tail(200)
    np.testing.assert_allclose(champion.pipeline.predict_proba(X)[:, 1],
                               result.pipeline.predict_proba(X)[:, 1])
    # The card travels with the model: threshold, schema, costs.
    assert champion.card["threshold"]["threshold"] == result.threshold
    assert [f["name"] for f in champion.card["features"]] == scenario.world_.schema.names
    assert champion.card["reference_rows"] == 6000 and champion.card["seed"] == 3

    import mlflow

    run = mlflow.get_run(result.run_id)
    for key in ("test_precision", "test_recall", "test_f1", "test_roc_auc", "test_pr_auc",
                "test_brier", "test_tp", "test_fp", "test_fn", "test_tn"):
        assert key in run.data.metrics
    assert 0.75 < run.data.metrics["test_roc_auc"] < 1.0
    assert run.data.params["seed"] == "3"
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(result.run_id, "plots")}
    assert artifacts == {"plots/pr_curve.png", "plots/calibration.png", "plots/roc.png"}
    assert str(lab_home) in tracking.tracking_uri()


def test_retraining_moves_the_champion(scenario):
    first = train(scenario, seed=0, rows=3000)
    second = train(scenario, seed=1, rows=3000)
    assert (first.version, second.version) == (1, 2)
    assert tracking.champion_version(scenario.id) == 2
    assert tracking.served_models() == [scenario.id]


def test_same_seed_same_model(scenario):
    a = train(scenario, seed=4, rows=3000)
    b = train(scenario, seed=4, rows=3000)
    assert a.threshold == b.threshold
    assert a.test_metrics == b.test_metrics


@pytest.mark.parametrize("spec", list_scenarios(), ids=lambda s: s.id)
def test_every_scenario_trains(spec):
    # Enough rows for about 150 positives: fraud at 0.4% needs far more than spam at 3%.
    rows = max(4000, int(150 / spec.world_.base_rate))
    result = train(spec, seed=0, rows=rows)
    assert tracking.champion_version(spec.id) == 1
    assert result.test_metrics["roc_auc"] > 0.7
    assert 0.0 < result.threshold < 1.0

"""A load test that cannot run as asked says which field and what is allowed (exit 2),
before anything is trained or served."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lab.cli import app

runner = CliRunner()


@pytest.mark.parametrize("args, message", [
    (["sla-latency-budget", "--models", "xgboost"],
     "models: ['xgboost'] not allowed; choose from ['logistic_regression', "
     "'hist_gradient_boosting', 'random_forest']"),
    (["sla-latency-budget", "--workers", "9"], "workers: 9 not allowed; 1 to 4"),
    (["sla-latency-budget", "--requests", "5"], "requests: 5 not allowed; 100 to 20000"),
    (["sla-latency-budget", "--rate", "-3"], "rate: -3 requests/s not allowed"),
    (["sla-slow-escalations"], "scenario 'sla-slow-escalations' has no p99 budget"),
])
def test_bad_input_is_one_clear_message(args, message):
    result = runner.invoke(app, ["loadtest", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_models_may_be_given_comma_separated():
    from lab.loadtest.cli import split_models

    assert split_models(["logistic_regression,random_forest", "hist_gradient_boosting"]) == [
        "logistic_regression", "random_forest", "hist_gradient_boosting"]
    assert split_models(None) is None

"""A linear model cannot score a number whose scaling overflows: the server says which field
(422), as it would for any other bad value, and scores everything the pipeline can."""

import httpx
import pytest

from lab.config import Settings
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from tests.serve.conftest import trained_home

pytestmark = pytest.mark.slow
LINEAR = "sla-drift-warnings-after-sales-push"  # a logistic regression on scaled features


def test_an_unscorable_number_is_a_422_naming_the_field(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store, scenarios=(LINEAR,))
    name = load_scenario(LINEAR).model_name
    with ServerProcess(Settings(home=home)) as server:
        info = httpx.get(f"{server.url}/models/{name}").json()
        example = info["example"]
        numeric = [f["name"] for f in info["features"] if f["kind"] == "numeric"]
        url = f"{server.url}/models/{name}/predict"
        refused = []
        for feature in numeric:
            for value in (1.7976931348623157e308, -1.7976931348623157e308, 1e300, 1e19):
                features = {**example["features"], feature: value}
                r = httpx.post(url, json={"features": features})
                assert r.status_code in (200, 422), r.text
                if r.status_code == 422:
                    assert r.json()["detail"] == [{
                        "field": f"features.{feature}",
                        "reason": "too large in magnitude for this model to score"}]
                    refused.append((feature, value))
                    batch = httpx.post(url, json={"batch": [example, {"features": features}]})
                    assert batch.status_code == 422
                    assert batch.json()["detail"][0]["field"] == f"batch[1].features.{feature}"
                else:
                    assert 0 <= r.json()["score"] <= 1
        assert refused, "no value overflowed the scaler: the test proves nothing"
        stats = httpx.get(f"{server.url}/models/{name}/stats").json()
        assert stats["errors_by_status"]["422"] == 2 * len(refused)
        assert "500" not in stats["errors_by_status"]

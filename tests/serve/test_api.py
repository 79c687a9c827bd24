"""The API against a real server: valid, invalid and batch requests, feedback, reload."""

import asyncio

import httpx
import pytest

from lab.scenario import load_scenario
from tests.serve.conftest import SCENARIO

pytestmark = pytest.mark.slow
PREDICT = f"/models/{SCENARIO}/predict"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def example(served):
    return httpx.get(f"{served.url}/models/{SCENARIO}").json()["example"]


def test_health_and_describe(served):
    health = httpx.get(f"{served.url}/health").json()
    assert health["status"] == "ok" and health["models"] == {SCENARIO: 1}
    info = httpx.get(f"{served.url}/models/{SCENARIO}").json()
    assert info["version"] == 1 and info["alias"] == "champion"
    assert 0 < info["threshold"]["threshold"] < 1
    assert {"precision", "recall", "roc_auc"} <= set(info["training_metrics"])
    assert [f["name"] for f in info["features"]] == load_scenario(SCENARIO).world_.schema.names
    # The example it advertises is accepted as it is.
    assert httpx.post(f"{served.url}{PREDICT}", json=info["example"]).status_code == 200
    assert httpx.get(f"{served.url}/docs").status_code == 200
    openapi = httpx.get(f"{served.url}/openapi.json").json()
    body = openapi["paths"]["/models/{name}/predict"]["post"]["requestBody"]
    one, batch = (openapi["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
                  for ref in body["content"]["application/json"]["schema"]["oneOf"])
    assert set(one["properties"]) == {"features", "event_time", "request_id", "run"}
    assert one["required"] == ["features"] and batch["required"] == ["batch"]
    assert set(batch["properties"]) == {"batch", "run"}
    record = openapi["components"]["schemas"]["SlaEscalationQueueFloodedFeatures"]
    assert set(record["properties"]) == set(info["example"]["features"])
    assert "Stats" in openapi["components"]["schemas"]


def test_single_prediction_is_logged_with_everything(served, example):
    r = httpx.post(f"{served.url}{PREDICT}", json={**example, "event_time": "2026-03-01T10:00:00"})
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1 and 0 <= body["score"] <= 1
    assert body["decision"] == int(body["score"] >= body["threshold"])
    frame = served.store.frame(SCENARIO)
    row = frame.set_index("request_id").loc[body["request_id"]]
    assert row["score"] == pytest.approx(body["score"]) and row["version"] == 1
    assert str(row["event_time"]) == "2026-03-01 10:00:00"
    assert '"team_load"' in row["features"] and row["latency_ms"] > 0


@pytest.mark.parametrize("change, status, field, reason", [
    ({"team_load": "high"}, 422, "features.team_load", "valid number"),
    ({"team_load": "3.5"}, 422, "features.team_load", "valid number"),
    ({"priority": 1}, 422, "features.priority", "valid string"),
    ({"colour": "red"}, 422, "features.colour", "unknown field"),
    ({"priority": KeyError}, 422, "features.priority", "field required"),
])
def test_invalid_records_get_a_4xx_naming_the_field(served, example, change, status, field,
                                                    reason):
    features = dict(example["features"])
    for key, value in change.items():
        if value is KeyError:
            del features[key]
        else:
            features[key] = value
    r = httpx.post(f"{served.url}{PREDICT}", json={"features": features})
    assert r.status_code == status
    detail = r.json()["detail"]
    assert any(d["field"] == field and reason in d["reason"] for d in detail), detail


def test_nan_infinity_bad_json_and_oversize_batches(served, example):
    text = httpx.Request("POST", "/", json=example).content.decode()
    nan = text.replace('"team_load":' + _json_value(example, "team_load"), '"team_load":NaN', 1)
    r = httpx.post(f"{served.url}{PREDICT}", content=nan, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "features.team_load"
    assert "finite" in r.json()["detail"][0]["reason"]
    r = httpx.post(f"{served.url}{PREDICT}", content=b"{not json", headers=JSON)
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "body"
    r = httpx.post(f"{served.url}{PREDICT}", json={"batch": [example] * 1001})
    assert r.status_code == 413 and r.json()["detail"][0]["field"] == "batch"
    r = httpx.post(f"{served.url}{PREDICT}", json={})
    assert r.status_code == 422 and "either 'features'" in r.json()["detail"][0]["reason"]
    r = httpx.post(f"{served.url}/models/no-such-model/predict", json=example)
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "name"
    assert SCENARIO in r.json()["detail"][0]["reason"]


def _json_value(example, key):
    import json

    return json.dumps(example["features"][key], separators=(",", ":"))


def test_missing_values_are_null_and_unseen_categories_are_counted(served, example):
    before = httpx.get(f"{served.url}/models/{SCENARIO}/stats").json()
    features = {**example["features"], "team_load": None, "product_area": "quantum"}
    r = httpx.post(f"{served.url}{PREDICT}", json={"features": features})
    assert r.status_code == 200
    assert r.json()["unseen_categories"] == {"product_area": "quantum"}
    after = httpx.get(f"{served.url}/models/{SCENARIO}/stats").json()
    assert after["unseen_categories"].get("product_area", 0) == \
        before["unseen_categories"].get("product_area", 0) + 1
    assert after["predictions"] == before["predictions"] + 1
    assert after["errors_by_status"].get("422", 0) >= 1  # earlier tests' rejections
    assert after["latency_ms"]["p50"] > 0


def test_batch_and_feedback_joined_to_predictions(served, example):
    r = httpx.post(f"{served.url}{PREDICT}", json={"batch": [example] * 25})
    assert r.status_code == 200
    ids = [p["request_id"] for p in r.json()["predictions"]]
    assert len(set(ids)) == 25
    labels = [{"request_id": rid, "label": i % 2} for i, rid in enumerate(ids[:10])]
    labels.append({"request_id": "not-a-request", "label": 1})
    r = httpx.post(f"{served.url}/models/{SCENARIO}/feedback", json={"labels": labels})
    assert r.status_code == 200
    assert r.json() == {"updated": 10, "unknown": ["not-a-request"], "replaced": []}
    frame = served.store.frame(SCENARIO).set_index("request_id")
    assert frame.loc[ids[:10], "label"].tolist() == [i % 2 for i in range(10)]
    assert frame.loc[ids[10:], "label"].isna().all()
    r = httpx.post(f"{served.url}/models/{SCENARIO}/feedback",
                   json={"labels": [{"request_id": ids[0], "label": 2}]})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "labels[0].label"


def test_two_thousand_concurrent_requests_make_two_thousand_rows(served, example):
    before = served.store.count(SCENARIO)

    async def fire() -> list[int]:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(base_url=served.url, limits=limits, timeout=60) as c:
            responses = await asyncio.gather(*(c.post(PREDICT, json=example)
                                               for _ in range(2000)))
        return [r.status_code for r in responses]

    statuses = asyncio.run(fire())
    assert statuses.count(200) == 2000
    assert served.store.count(SCENARIO) - before == 2000


def test_metrics_in_prometheus_format(served, example):
    httpx.post(f"{served.url}{PREDICT}", json=example)
    text = httpx.get(f"{served.url}/metrics").text
    assert f'driftlab_requests_total{{model="{SCENARIO}",status="200"}}' in text
    assert f'driftlab_requests_total{{model="{SCENARIO}",status="422"}}' in text
    assert "driftlab_request_latency_seconds_bucket" in text
    assert "driftlab_score_bucket" in text


def test_reload_picks_up_a_new_champion(served, example, in_home, monkeypatch):
    in_home(served.home)
    from lab.train import train

    result = train(load_scenario(SCENARIO), seed=9, rows=3000)
    assert result.version == 2
    assert httpx.get(f"{served.url}/health").json()["models"][SCENARIO] == 1
    r = httpx.post(f"{served.url}/models/{SCENARIO}/reload")
    assert r.status_code == 200 and r.json() == {"model": SCENARIO, "version": 2,
                                                 "previous_version": 1}
    assert httpx.post(f"{served.url}{PREDICT}", json=example).json()["version"] == 2
    assert httpx.post(f"{served.url}/models/nothing-here/reload").status_code == 404


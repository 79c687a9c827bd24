"""The @challenger served beside @champion by a real server (two workers): a canary
answers its share of requests, chosen by request id and seed; a shadow scores every
request with both and answers with the champion; both are logged with their version."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from lab import tracking
from lab.config import Settings, get_settings
from lab.data import reference_frame
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from lab.serve.rollout import bucket
from lab.serve.state import RELOAD_POLL_SECONDS
from lab.serve.store import PredictionStore
from lab.traffic import records_of
from lab.train import train
from tests.serve.conftest import SCENARIO

pytestmark = pytest.mark.slow
TOKEN = "r0llout"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class TwoVersions:
    home: Path
    url: str
    store: PredictionStore
    records: list[dict]
    scores: dict[int, np.ndarray]  # version -> its pipeline's scores of the records
    thresholds: dict[int, float]

    def rollout(self, **body) -> httpx.Response:
        response = httpx.post(f"{self.url}/models/{SCENARIO}/rollout", json=body,
                              headers=ADMIN, timeout=30)
        if response.status_code == 200:
            self.until_every_worker_serves(body["mode"])
        return response

    def until_every_worker_serves(self, mode: str, timeout: float = 60.0) -> None:
        """The other worker follows on its next poll of the reload counter (a second, or
        the time a busy machine takes to load both versions): wait until 20 answers in a
        row, each on a new connection, show the rollout."""
        started = time.monotonic()
        deadline, agreed = started + timeout, 0
        # At least two polls of the other worker, then 20 agreeing answers in a row.
        while agreed < 20 or time.monotonic() < started + 2 * RELOAD_POLL_SECONDS:
            assert time.monotonic() < deadline, f"a worker still does not serve {mode}"
            shown = httpx.get(f"{self.url}/models/{SCENARIO}", timeout=30).json()["rollout"]
            agreed = agreed + 1 if shown["mode"] == mode else 0
            if agreed < 20:
                time.sleep(RELOAD_POLL_SECONDS / 20)

    def predict(self, run: str, ids: list[str]) -> list[dict]:
        out = []
        for start in range(0, len(ids), 300):  # a new connection each: both workers answer
            batch = [{"features": self.records[int(i.rsplit("-", 1)[1])], "request_id": i}
                     for i in ids[start:start + 300]]
            response = httpx.post(f"{self.url}/models/{SCENARIO}/predict",
                                  json={"run": run, "batch": batch}, timeout=30)
            assert response.status_code == 200, response.text
            out += response.json()["predictions"]
        return out


@pytest.fixture(scope="module")
def two(tmp_path_factory, migrated_store):
    home = tmp_path_factory.mktemp("rollout-home")
    shutil.copy(migrated_store, home / "mlflow.db")
    scenario = load_scenario(SCENARIO)
    frame = reference_frame(scenario, 1200, seed=7)
    names = scenario.world_.schema.names
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAB_HOME", str(home))
        get_settings.cache_clear()
        train(scenario, seed=0, rows=4000)
        train(scenario, seed=1, rows=4000, alias=tracking.CHALLENGER)
        scores, thresholds = {}, {}
        for version in (1, 2):
            loaded = tracking.load_version(SCENARIO, version)
            scores[version] = loaded.pipeline.predict_proba(frame[names])[:, 1]
            thresholds[version] = float(loaded.card["threshold"]["threshold"])
    get_settings.cache_clear()
    settings = Settings(home=home, admin_token=TOKEN)
    with ServerProcess(settings, workers=2, log_path=home / "server.log") as server:
        store = PredictionStore(settings.prediction_store_url)
        yield TwoVersions(home, server.url, store, records_of(frame, names), scores,
                          thresholds)
        store.dispose()


def test_a_canary_answers_its_share_by_request_id(two):
    assert httpx.post(f"{two.url}/models/{SCENARIO}/rollout",
                      json={"mode": "canary", "share": 0.3}).status_code == 401
    set_ = two.rollout(mode="canary", share=0.3, seed=7)
    assert set_.status_code == 200, set_.text
    assert set_.json() == {"model": SCENARIO, "mode": "canary", "share": 0.3, "seed": 7,
                           "champion_version": 1, "challenger_version": 2}
    assert httpx.get(f"{two.url}/models/{SCENARIO}").json()["rollout"] == {
        "mode": "canary", "share": 0.3, "seed": 7, "challenger_version": 2}

    ids = [f"canary-{i}" for i in range(len(two.records))]
    answers = two.predict("canary", ids)
    versions = np.array([a["version"] for a in answers])
    # Which requests the challenger answers is a function of the id and the seed alone,
    # the same in both workers; about the share asked for.
    expected = np.array([2 if bucket(i, 7) < 0.3 else 1 for i in ids])
    assert (versions == expected).all()
    assert 0.26 < (versions == 2).mean() < 0.34
    assert (expected != np.array([2 if bucket(i, 8) < 0.3 else 1 for i in ids])).any()
    # Each answer is its version's own score and decision at its own threshold.
    scores = np.array([a["score"] for a in answers])
    for v in (1, 2):
        np.testing.assert_allclose(scores[versions == v], two.scores[v][versions == v],
                                   rtol=1e-6, atol=1e-9)
        decisions = np.array([a["decision"] for a in answers])[versions == v]
        assert (decisions == (two.scores[v][versions == v] >= two.thresholds[v])).all()
        # ... which each answer of the batch names (the batch's own is the champion's).
        given = [a["threshold"] for a, w in zip(answers, versions) if w == v]
        assert given == pytest.approx([two.thresholds[v]] * len(given))

    # Every answer is logged with the version that gave it; a retry gets the stored answer.
    logged = two.store.frame(SCENARIO, run="canary").set_index("request_id").loc[ids]
    assert (logged["version"].to_numpy() == versions).all()
    assert two.store.shadow_frame(SCENARIO, run="canary").empty
    again = two.predict("canary", ids[:300])
    assert all(a["replayed"] for a in again)
    assert [a["version"] for a in again] == versions[:300].tolist()
    assert two.store.count(SCENARIO, run="canary") == len(ids)

    # One record: the answer says which version answered, with that version's threshold.
    rid = next(f"single-{k}" for k in range(100) if bucket(f"single-{k}", 7) < 0.3)
    one = httpx.post(f"{two.url}/models/{SCENARIO}/predict", timeout=10,
                     json={"features": two.records[0], "request_id": rid}).json()
    assert (one["version"], one["threshold"]) == (2, pytest.approx(two.thresholds[2]))

    # The bad-input rules hold whichever version would answer.
    bad = httpx.post(f"{two.url}/models/{SCENARIO}/predict", timeout=10, json={"batch": [
        {"features": two.records[0]}, {"features": {**two.records[1], "team_load": "high"}}]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "batch[1].features.team_load"


def test_a_shadow_scores_every_request_and_the_champion_answers(two):
    assert two.rollout(mode="shadow").json()["mode"] == "shadow"
    ids = [f"shadow-{i}" for i in range(600)]
    answers = two.predict("shadow", ids)
    assert {a["version"] for a in answers} == {1}
    np.testing.assert_allclose([a["score"] for a in answers], two.scores[1][:600], rtol=1e-6,
                               atol=1e-9)
    assert (two.store.frame(SCENARIO, run="shadow")["version"] == 1).all()
    # The challenger's score of every request, logged with its version; a label sent for
    # the prediction reaches the shadow's row too.
    labels = {"labels": [{"request_id": i, "label": 1} for i in ids[:50]]}
    assert httpx.post(f"{two.url}/models/{SCENARIO}/feedback", json=labels).json()[
        "updated"] == 50
    shadow = two.store.shadow_frame(SCENARIO, run="shadow").set_index("request_id").loc[ids]
    assert (shadow["version"] == 2).all() and len(shadow) == 600
    np.testing.assert_allclose(shadow["score"], two.scores[2][:600], rtol=1e-6, atol=1e-9)
    assert (shadow["decision"] == (two.scores[2][:600] >= two.thresholds[2])).all()
    assert shadow["label"].notna().sum() == 50

    # Off: the champion alone again, nothing more in the shadow log.
    assert two.rollout(mode="off").json()["challenger_version"] is None
    more = two.predict("shadow", [f"shadow-{i}" for i in range(600, 700)])
    assert {a["version"] for a in more} == {1}
    assert len(two.store.shadow_frame(SCENARIO, run="shadow")) == 600


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"mode": "blue"}, "mode", "'blue' is not allowed"),
    ({}, "mode", "required"),
    ({"mode": "canary"}, "share", "a canary needs the share"),
    ({"mode": "canary", "share": 1.5}, "share", "must be in (0, 1]"),
    ({"mode": "shadow", "share": 0.2}, "share", "only a canary has a share"),
    ({"mode": "canary", "share": 0.2, "seed": -1}, "seed", "a whole number"),
    ({"mode": "shadow", "weight": 2}, "weight", "unknown field"),
])
def test_a_wrong_rollout_names_the_field(two, body, field, reason):
    response = httpx.post(f"{two.url}/models/{SCENARIO}/rollout", json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["field"] == field and reason in detail["reason"]


def test_a_rollout_needs_a_challenger(two, in_home):
    in_home(two.home)
    tracking.delete_alias(SCENARIO, tracking.CHALLENGER)
    try:
        refused = httpx.post(f"{two.url}/models/{SCENARIO}/rollout", json={"mode": "shadow"},
                             headers=ADMIN)
        assert refused.status_code == 409
        assert "no @challenger" in refused.json()["detail"][0]["reason"]
    finally:
        tracking.set_alias(SCENARIO, tracking.CHALLENGER, 2)
    missing = httpx.post(f"{two.url}/models/nope/rollout", json={"mode": "off"}, headers=ADMIN)
    assert missing.status_code == 404

"""A heavier model promoted at the onset, through MLflow and the real server."""

from __future__ import annotations

import numpy as np
import pytest

from lab.load import open_loop_traffic
from lab.scenario import load_scenario
from lab.service import HeavierModel, TrafficSurge
from tests.serve.conftest import SCENARIO

pytestmark = pytest.mark.slow
ROWS = 300


@pytest.fixture(scope="module")
def promoted(served):
    with pytest.MonkeyPatch.context() as mp:
        from lab.config import get_settings

        mp.setenv("LAB_HOME", str(served.home))
        get_settings.cache_clear()
        fault = HeavierModel(model_params={"n_estimators": 200, "min_samples_leaf": 1},
                             rows=6000, onset=0.5)
        surge = TrafficSurge(factor=1.5, onset=0.9)
        sent = open_loop_traffic(load_scenario(SCENARIO), served.url, rate=25.0, rows=ROWS,
                                 seed=5, faults=[fault, surge], reference_rows=6000)
        get_settings.cache_clear()
    return fault, sent


def test_the_challenger_serves_from_the_onset_and_costs_more(promoted, served):
    fault, sent = promoted
    assert sent.load.statuses == {"200": ROWS}
    before, after = fault.details()["version_before"], fault.details()["version_after"]
    assert after == before + 1
    stored = served.store.frame(SCENARIO, run=sent.run)
    order = stored["request_id"].str.rsplit("-", n=1).str[1].astype(int)
    stored = stored.set_index(order).sort_index()
    # Loading the challenger takes seconds: requests after the onset meet the old version
    # until the reload is done, then only the new one.
    versions = stored["version"].to_numpy()
    assert (versions[:ROWS // 2] == before).all() and (versions[-30:] == after).all()
    switch = int(np.argmax(versions == after))
    assert switch >= ROWS // 2 and (versions[switch:] == after).all()
    old = stored.loc[stored["version"] == before, "latency_ms"]
    new = stored.loc[stored["version"] == after, "latency_ms"]
    assert np.median(new) > 2 * np.median(old)


def test_both_faults_leave_their_truth(promoted):
    fault, sent = promoted
    kinds = {t["kind"]: t for t in sent.truths}
    assert kinds["heavier_model"]["details"]["version_after"] == \
        fault.details()["version_after"]
    assert kinds["traffic_surge"]["details"] == {"cause": "traffic-surge", "rate_factor": 1.5}
    assert kinds["traffic_surge"]["onset_row"] == 270

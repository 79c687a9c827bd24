"""Traffic over real HTTP: the drift plan reaches the server from its onset, labels follow."""

import json

import numpy as np
import pandas as pd
import pytest

from lab.data import production_frame
from lab.scenario import load_scenario
from lab.traffic import records_of, send_traffic
from tests.serve.conftest import SCENARIO

pytestmark = pytest.mark.slow
ROWS = 4500  # three days of tickets: the first has its labels (2-day delay)


@pytest.fixture(scope="module")
def sent(served):
    scenario = load_scenario(SCENARIO)
    seen = []
    report = send_traffic(scenario, served.url, rows=ROWS, seed=4, concurrency=8,
                          reference_rows=6000, progress=seen.append)
    return scenario, report, seen


def test_every_row_is_sent_and_logged_in_its_run(sent, served):
    scenario, report, seen = sent
    # Batches of 200 within chunks of 1000 rows: 4 chunks of 5 requests, then 200+200+100.
    assert report.predictions == ROWS
    assert report.requests == 23
    assert report.errors_by_status == {}
    assert [p.done for p in seen] == [1000, 2000, 3000, 4000, 4500]
    # Progress speaks in the stream's own clock, moving forward.
    assert [p.stream_time for p in seen] == sorted(p.stream_time for p in seen)
    assert seen[-1].stream_time == report.events.iloc[-1]
    stored = served.store.frame(SCENARIO, run=report.run).set_index("request_id")
    assert len(stored) == ROWS and set(report.request_ids) == set(stored.index)
    assert report.request_ids[0] == f"{report.run}-0"  # the client's ids: retries are safe
    assert report.latency(0.5) > 0 and report.throughput > 0
    per_day = report.per_day()
    assert per_day["rows"].sum() == ROWS and per_day["alert_rate"].between(0, 1).all()


def test_a_second_run_keeps_the_first(sent, served):
    scenario, first, _ = sent
    second = send_traffic(scenario, served.url, rows=600, seed=5, reference_rows=6000)
    assert second.run != first.run and second.predictions == 600
    assert served.store.count(SCENARIO, run=first.run) == ROWS
    assert served.store.latest_run(SCENARIO) == second.run
    runs = {r["run"]: r for r in served.store.runs(SCENARIO)}
    assert runs[first.run]["predictions"] == ROWS and runs[second.run]["predictions"] == 600


def test_the_fault_reaches_the_server_after_the_onset_and_not_before(sent, served):
    scenario, report, _ = sent
    stored = served.store.frame(SCENARIO, run=report.run).set_index("request_id")
    received = pd.DataFrame([json.loads(f) for f in stored.loc[report.request_ids, "features"]])
    clean = production_frame(scenario.model_copy(update={"drift": []}), ROWS, seed=4,
                             reference_rows=6000).frame
    [truth] = report.truths
    onset = truth.onset_row
    assert onset == int(0.4 * ROWS)
    col = "minutes_to_first_response"
    before_sent = received[col].iloc[:onset].to_numpy(dtype=float)
    before_clean = clean[col].iloc[:onset].to_numpy(dtype=float)
    np.testing.assert_array_equal(before_sent, before_clean)
    after_sent = received[col].iloc[onset:].to_numpy(dtype=float)
    after_clean = clean[col].iloc[onset:].to_numpy(dtype=float)
    np.testing.assert_allclose(after_sent, after_clean * 60)
    others = [c for c in scenario.world_.schema.names if c != col]
    pd.testing.assert_frame_equal(received[others], pd.DataFrame(records_of(clean, others)),
                                  check_dtype=False)
    # Event times travel with the records, so monitoring windows follow the stream's clock.
    assert str(stored.loc[report.request_ids[onset], "event_time"]) == truth.onset_time


def test_labels_arrive_after_the_label_delay(sent, served):
    scenario, report, _ = sent
    stored = served.store.frame(SCENARIO, run=report.run).set_index("request_id").loc[
        report.request_ids]
    events = pd.to_datetime(stored["event_time"])
    last = events.max()
    due = events + scenario.label_delay <= last
    # Every label whose delay has passed on the stream's clock is in; none of the others.
    assert stored.loc[due.to_numpy(), "label"].notna().all()
    assert stored.loc[~due.to_numpy(), "label"].isna().all()
    assert report.labels_sent == int(due.sum()) > 0

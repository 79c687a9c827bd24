"""Faults of delivery over real HTTP: a renamed field silences a segment, labels stop coming."""

import numpy as np
import pytest

from lab.config import Settings
from lab.data import production_frame
from lab.drift.delivery import labels_arrive, refused
from lab.replay import replay_log
from lab.scenario import validate_scenario
from lab.serve.process import ServerProcess
from lab.traffic import DEFAULT_BATCH, send_traffic
from lab.train import train

pytestmark = pytest.mark.slow
ROWS = 3000  # a day and a half of wiki comments


def scenario():
    return validate_scenario({
        "id": "delivery-check", "title": "t", "brief": "b", "topics": ["serving-latency"],
        "difficulty": "easy", "minutes": 5, "world": {"kind": "wiki_comments"},
        "model": {"kind": "logistic_regression"}, "label_delay": "1h",
        "costs": {"false_positive": 1, "false_negative": 20},
        "drift": [{"kind": "schema_change", "feature": "link_count", "rename_to": "links",
                   "segment": {"client": ["mobile", "api"]}, "onset": 0.5},
                  {"kind": "label_outage", "onset": 0.75}],
        "questions": {"root_causes": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                      "answer": {"root_cause": "a", "actions": ["fix-pipeline"],
                                 "rubric": [{"concept": "x"}], "debrief": "d",
                                 "model_answer": "m"}},
    })


def test_a_renamed_field_is_refused_and_lost_labels_are_never_sent(lab_home):
    spec = scenario()
    train(spec, seed=0, rows=4000)
    frame = production_frame(spec, ROWS, seed=2, reference_rows=4000).frame
    silenced = int(refused(frame).sum())
    segment = frame["client"].isin(["mobile", "api"]).to_numpy()
    assert silenced == int(segment[ROWS // 2:].sum()) > 100
    with ServerProcess(Settings(home=lab_home)) as server:
        report = send_traffic(spec, server.url, rows=ROWS, seed=2, reference_rows=4000,
                              all_labels=True)
    # The segment's requests fail validation (422; the segment's client batches its own
    # records), the rest are scored.
    assert set(report.errors_by_status) == {"422"}
    assert report.errors_by_status["422"] >= -(-silenced // DEFAULT_BATCH)
    assert report.predictions == ROWS - silenced
    # Labels come back for every scored row before the outage, none after it.
    scored = np.array([rid is not None for rid in report.request_ids])
    expected = scored & labels_arrive(frame)
    assert report.labels_sent == int(expected.sum())
    assert not labels_arrive(frame)[int(0.75 * ROWS):].any()


def test_the_offline_replay_agrees_with_the_server(lab_home):
    spec = scenario()
    result = train(spec, seed=0, rows=4000)
    log, truths = replay_log(spec, result.pipeline, result.threshold, rows=ROWS, seed=2,
                             reference_rows=4000, all_labels=True)
    frame = production_frame(spec, ROWS, seed=2, reference_rows=4000).frame
    assert len(log) == ROWS - int(refused(frame).sum())
    assert log["label"].notna().sum() == int((labels_arrive(frame) & ~refused(frame)).sum())
    assert [t.kind for t in truths] == ["schema_change", "label_outage"]

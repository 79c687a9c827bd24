"""The interviewer's fault switch while the candidate's traffic runs: the rows sent after
the switch carry the new plan, those before it the old one, and the run's truth (the run
book, the report) says which was in force where. Real training, a real server."""

from __future__ import annotations

import pandas as pd
import pytest

from lab.config import get_settings
from lab.data import production_frame
from lab.interview import SessionStore, actions, faults
from lab.monitor import run_log
from lab.serve.process import ServerProcess
from lab.traffic import CHUNK, send_traffic, splice
from lab.workspace.runs import RunBook

pytestmark = pytest.mark.slow
ROWS, REFERENCE = 3000, 4000
FEATURE = "minutes_to_first_response"


def test_a_fault_switched_mid_run_takes_over_from_the_next_chunk(lab_home, scenario):
    from lab.train import train

    train(scenario, seed=0, rows=REFERENCE)
    store = SessionStore()
    session = store.open_session(scenario.id, "default")  # the model is the bare scenario id
    doubled = faults.change_fault(scenario.drift, 0, severity=2)
    spec, switch = actions.live_plan(scenario, scenario.id)
    assert spec.drift == scenario.drift and switch() is None  # nothing changed yet

    def interviewer_acts(p) -> None:  # while the run is at row 2000, the fault doubles
        if p.done == 2 * CHUNK:
            actions.set_fault(store, session, scenario, doubled)

    with ServerProcess(get_settings(), log_path=lab_home / "server.log") as server:
        report = send_traffic(spec, server.url, rows=ROWS, seed=0, reference_rows=REFERENCE,
                              progress=interviewer_acts, switch=switch)
        _reference, log = run_log(scenario.id, report.run)
    assert report.predictions == ROWS

    # What the server logged: the old plan up to row 2000, the doubled one after it.
    old = production_frame(scenario, ROWS, 0, REFERENCE).frame
    new = production_frame(faults.scenario_with_drift(scenario, doubled), ROWS, 0,
                           REFERENCE).frame
    expected = splice(old, new, 2 * CHUNK)[FEATURE].to_numpy()
    order = log["request_id"].str.rsplit("-", n=1).str[-1].astype(int)
    logged = pd.Series(log[FEATURE].to_numpy(), index=order.to_numpy()).sort_index()
    assert logged.to_numpy() == pytest.approx(expected, nan_ok=True)
    # Both plans hurt from row 1200: only the rows from 2000 on were sent doubled.
    assert (new[FEATURE] / old[FEATURE]).iloc[1200:].dropna().round(6).eq(2.0).all()
    sent = logged.to_numpy() / old[FEATURE].to_numpy()
    assert pd.Series(sent[1200:2000]).dropna().round(6).eq(1.0).all()
    assert pd.Series(sent[2000:]).dropna().round(6).eq(2.0).all()

    # The truth: the first plan from its onset until row 2000, the doubled one from there.
    book = RunBook()
    truth = book.get(report.run).truth
    book.dispose()
    assert [t.to_dict() for t in report.truths] == truth
    assert [(t["params"]["factor"], t["onset_row"], t["details"].get("until_row"))
            for t in truth] == [(60, 1200, 2000), (120.0, 2000, None)]
    assert truth[1]["details"]["switched_in_at_row"] == 2000
    store.dispose()

    # A newer champion later: the run is still read as the version that served it.
    newer = train(scenario, seed=1, rows=2000)
    reference, again = run_log(scenario.id, report.run)
    assert newer.version != reference.version == int(log["version"].iloc[0])
    assert len(again) == ROWS

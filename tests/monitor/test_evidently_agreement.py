"""The fast statistics reach Evidently's decisions (and values) on the same data."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from lab.monitor.evidently_report import drift_decisions
from lab.monitor.stats import column_drift


@pytest.mark.parametrize("sid, rows, ref_rows", [
    ("sla-escalation-queue-flooded", 3000, None),      # large reference: distances
    ("sla-drift-warnings-after-sales-push", 600, 800),     # small reference: KS, chi-square, z-test
    ("sla-low-scores-on-breached-tickets", 2000, None),
])
def test_decisions_agree_with_evidently(lab, sid, rows, ref_rows):
    ref = lab.reference(sid)
    log, _ = lab.log(sid)
    numeric = [f["name"] for f in ref.features if f["kind"] == "numeric"]
    categorical = [f["name"] for f in ref.features if f["kind"] == "categorical"]
    checked = 0
    for start in (0, len(log) - rows):  # one window before the onset, one after
        current = log.iloc[start:start + rows].copy()
        for name in numeric:
            current[name] = current[name].astype(float)
        reference = ref.frame.iloc[ref.matched(current)]
        if ref_rows:
            reference = reference.sample(ref_rows, random_state=0)
        theirs = drift_decisions(reference, current, numeric, categorical)
        for name in numeric + categorical:
            ours = column_drift(reference[name], current[name], name in categorical)
            assert ours.method == theirs[name]["method"], name
            assert ours.drifted == theirs[name]["drifted"], (name, ours, theirs[name])
            assert np.isclose(ours.statistic, theirs[name]["value"], rtol=1e-6, atol=1e-9)
            checked += 1
    assert checked == 2 * len(ref.features)


def test_full_report_is_written_once_and_cached(lab):
    from lab.config import get_settings
    from lab.monitor import evidently_window_report
    from lab.serve.store import PredictionStore

    ref = lab.reference("sla-escalation-queue-flooded")
    log, _ = lab.log("sla-escalation-queue-flooded", rows=3000)
    store = PredictionStore(get_settings().prediction_store_url)
    store.prune("sla-escalation-queue-flooded", before=datetime.max, execute=True)
    import orjson

    rows = [{"request_id": f"r{i}", "model": "sla-escalation-queue-flooded", "version": ref.version,
             "received_at": t, "event_time": t, "features": orjson.dumps(
                 {n: log.at[i, n] for n in ref.names}).decode(),
             "score": float(log.at[i, "score"]), "decision": int(log.at[i, "decision"]),
             "threshold": ref.threshold, "latency_ms": 1.0, "unseen": None,
             "label": None if np.isnan(log.at[i, "label"]) else int(log.at[i, "label"]),
             "labelled_at": None}
            for i, t in enumerate(log["event_time"])]
    with store.engine.begin() as conn:
        store.insert_predictions(conn, rows)
    first = evidently_window_report("sla-escalation-queue-flooded", 0, "1d")
    html = first.read_text()
    assert first.stat().st_size > 100_000 and "minutes_to_first_response" in html
    mtime = first.stat().st_mtime_ns
    again = evidently_window_report("sla-escalation-queue-flooded", 0, "1d")
    assert again == first and again.stat().st_mtime_ns == mtime  # served from the cache
    assert first.stat().st_mode & 0o777 == 0o600 and first.parent.stat().st_mode & 0o777 == 0o700
    # Other data at the same counts of rows and labels: a new report, not the cached one.
    from lab.serve.store import predictions

    day0 = log["event_time"] < log["event_time"].iloc[0].floor("D") + pd.Timedelta(days=1)
    window0 = [f"r{i}" for i in np.flatnonzero(day0.to_numpy())]
    with store.engine.begin() as conn:
        conn.execute(predictions.update().where(predictions.c.request_id.in_(window0))
                     .values(score=1 - predictions.c.score))
    changed = evidently_window_report("sla-escalation-queue-flooded", 0, "1d")
    assert changed != first and changed.exists() and first.exists()
    with pytest.raises(IndexError, match="window 99 does not exist"):
        evidently_window_report("sla-escalation-queue-flooded", 99, "1d")
    store.prune("sla-escalation-queue-flooded", before=datetime.max, execute=True)
    store.dispose()

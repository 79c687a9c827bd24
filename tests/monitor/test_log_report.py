"""Evidently's report of one window of a log held as a frame (a replay, no server)."""

import numpy as np
import pytest

from lab.monitor.core import split
from lab.monitor.evidently_report import SCORE, TARGET
from lab.monitor.log_report import log_window_report, window_frames


def test_window_frames_are_the_window_and_its_season_matched_reference(lab):
    ref = lab.reference("sla-drift-warnings-after-sales-push")
    log, _ = lab.log("sla-drift-warnings-after-sales-push", rows=6000)
    ref_rows, win = window_frames(ref, log, 1, "1d")
    assert win["request_id"].tolist() == log.iloc[split(log, np.timedelta64(1, "D"))[1]][
        "request_id"].tolist()
    assert np.allclose(win[SCORE], win["score"]) and win[TARGET].equals(win["label"])
    assert ref_rows[TARGET].isin([0, 1]).all() and ref_rows[SCORE].between(0, 1).all()
    # Matched on the calendar: the reference rows have the window's weekday.
    assert set(ref_rows["weekday"]) == set(win["weekday"])
    assert win["team_load"].dtype == float
    with pytest.raises(IndexError, match="window 99 does not exist"):
        window_frames(ref, log, 99, "1d")


def test_log_window_report_is_written_once_per_content(lab, tmp_path):
    ref = lab.reference("sla-drift-warnings-after-sales-push")
    log, _ = lab.log("sla-drift-warnings-after-sales-push", rows=3000)
    first = log_window_report(ref, log, 0, "1d", folder=tmp_path)
    html = first.read_text()
    assert first.stat().st_size > 100_000 and "customer_tier" in html
    mtime = first.stat().st_mtime_ns
    assert log_window_report(ref, log, 0, "1d", folder=tmp_path).stat().st_mtime_ns == mtime
    # Same size, other rows.
    other, _ = lab.log("sla-drift-warnings-after-sales-push", rows=3000, seed=2)
    assert log_window_report(ref, other, 0, "1d", folder=tmp_path) != first

"""The report cache knows its data; the 30-positive rule holds for every realised gap."""

import pandas as pd
import pytest

from lab.monitor import alerts, report_key


def _window(labels, ids=None):
    n = len(labels)
    return pd.DataFrame({"request_id": ids or [f"r{i}" for i in range(n)], "version": [1] * n,
                         "label": labels})


def test_report_key_changes_with_the_data_not_only_with_its_counts():
    base = _window([1.0, 0.0, None, 0.0])
    key = report_key("m", 1, "1d", 0, base)
    assert report_key("m", 1, "1d", 0, base.copy()) == key  # same data, same report
    others = {
        "labels flipped": _window([0.0, 1.0, None, 0.0]),
        "other requests": _window([1.0, 0.0, None, 0.0], ids=["a", "b", "c", "d"]),
        "another version scored them": base.assign(version=2),
        "a late label": _window([1.0, 0.0, 1.0, 0.0]),
    }
    for what, frame in others.items():
        assert report_key("m", 1, "1d", 0, frame) != key, what
    assert report_key("m", 2, "1d", 0, base) != key  # a new reference (retrained model)
    assert report_key("m", 1, "1d", 1, base) != key


def _assess(labelled, realised_rate, expected_rate, tp, fn, fp):
    realised = {"base_rate": realised_rate, "precision": tp / max(tp + fp, 1),
                "recall": tp / max(tp + fn, 1), "tp": tp, "fn": fn, "fp": fp}
    estimated = {"base_rate": expected_rate, "precision": 0.6, "recall": 0.7}
    return alerts.assess({}, 0.0, estimated, realised, labelled)


def test_positive_rate_gap_needs_30_expected_positives():
    # 300 labels, 5% expected (15 positives): a gap of 10 points is many standard errors
    # yet rests on too few positives to mean anything.
    tier, reasons = _assess(300, 0.15, 0.05, tp=30, fn=15, fp=20)
    assert not any("positive rate" in r for r in reasons), reasons
    # The same gap with 600 labels (30 expected positives) is a finding.
    tier, reasons = _assess(600, 0.15, 0.05, tp=60, fn=30, fp=40)
    assert any("realised positive rate 15% vs 5%" in r for r in reasons), reasons
    assert tier == alerts.ALARM


def test_vanished_positives_still_alarm_on_the_positive_rate():
    # Expected 18% of 400 (72 positives), 1% arrived: fewer than 30 realised positives,
    # so precision and recall say nothing, but the positive rate must.
    tier, reasons = _assess(400, 0.01, 0.18, tp=2, fn=2, fp=50)
    assert tier == alerts.ALARM
    assert reasons == ["realised positive rate 1% vs 18% expected from the scores "
                       "(alarm at a gap of 0.08)"]


@pytest.mark.parametrize("positives", [29, 30])
def test_precision_and_recall_gaps_need_30_realised_positives(positives):
    tp = positives // 3
    tier, reasons = _assess(1000, positives / 1000, positives / 1000, tp=tp,
                            fn=positives - tp, fp=200)
    named = [r for r in reasons if "realised recall" in r or "realised precision" in r]
    assert bool(named) == (positives >= 30), reasons


def test_report_key_sees_scores_and_features():
    base = _window([1.0, 0.0]).assign(score=[0.2, 0.9], team_load=[3, None])
    key = report_key("m", 1, "1d", 0, base)
    assert report_key("m", 1, "1d", 0, base.assign(score=[0.9, 0.2])) != key
    assert report_key("m", 1, "1d", 0, base.assign(team_load=[3, 4])) != key

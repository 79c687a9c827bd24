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


def _feature(**changes):
    base = {"seasonal": False, "drifted": False, "effect": 0.0, "missing_share": 0.0,
            "missing_delta": 0.0, "unseen_share": 0.0, "out_of_range_share": 0.0,
            "constant": False}
    return {**base, **changes}


RELIES = {"load": 1.0, "length": 0.01}


def test_drift_alarms_only_on_a_relied_on_feature_and_when_performance_fell():
    drifted = {"load": _feature(drifted=True, effect=0.3)}
    fell = alerts.Impact(RELIES, moved=True)
    assert alerts.assess(drifted, 0.0, None, None, 0, fell)[0] == alerts.ALARM
    held, reasons = alerts.assess(drifted, 0.0, None, None, 0, alerts.Impact(RELIES, False))
    assert held == alerts.WARN
    assert reasons == ["load drifted: effect 0.30 (alarm level 0.20, kept at warn — inputs "
                       "moved; estimated performance held)"]
    barely = {"length": _feature(drifted=True, effect=0.3)}
    tier, reasons = alerts.assess(barely, 0.0, None, None, 0, fell)
    assert tier == alerts.WARN and reasons[0].endswith("the model barely uses it)")
    # Prediction drift is a distribution check too.
    assert alerts.assess({}, 0.3, None, None, 0, alerts.Impact(RELIES, False))[0] == \
        alerts.WARN
    assert alerts.assess({}, 0.3, None, None, 0, fell)[0] == alerts.ALARM


def test_data_quality_on_a_relied_on_feature_alarms_even_when_performance_held():
    held = alerts.Impact(RELIES, moved=False)
    for broken in ({"missing_delta": 0.5, "missing_share": 0.5}, {"unseen_share": 0.2},
                   {"out_of_range_share": 0.3}, {"constant": True}):
        tier, reasons = alerts.assess({"load": _feature(**broken)}, 0.0, None, None, 0, held)
        assert tier == alerts.ALARM, (broken, reasons)
        tier, reasons = alerts.assess({"length": _feature(**broken)}, 0.0, None, None, 0,
                                      held)
        assert tier == alerts.WARN and "the model barely uses it" in reasons[0], broken


def test_performance_moved_means_fell_not_rose():
    base = {"precision": 0.50, "recall": 0.80}
    assert alerts.performance_moved({"precision": 0.44, "recall": 0.80}, base) == \
        (True, "estimated precision 0.44 against 0.50 in the reference")
    assert alerts.performance_moved({"precision": 0.60, "recall": 0.90}, base)[0] is False
    assert alerts.performance_moved({"precision": 0.47, "recall": 0.77}, base)[0] is False
    # Realised, with labels: a fall beyond its sampling error counts.
    realised = {"precision": 0.30, "recall": 0.80, "tp": 120, "fp": 280, "fn": 30}
    moved, how = alerts.performance_moved(base, base, realised, base)
    assert moved and how.startswith("realised precision 0.30")


def test_the_base_rate_note_needs_still_inputs_and_a_real_gap():
    still = {"features": {"load": _feature()}, "prediction_drift": {"effect": 0.02}}
    moved = {"features": {"load": _feature(drifted=True, effect=0.3)},
             "prediction_drift": {"effect": 0.02}}
    note = alerts.base_rate_note([still], 0.06, 0.18, 3000)
    assert note.startswith("no input moved; the realised positive rate did: 6% against 18%")
    assert alerts.base_rate_note([moved], 0.06, 0.18, 3000) is None
    assert alerts.base_rate_note([still], 0.17, 0.18, 3000) is None


def test_a_promise_not_kept_alarms_on_realised_performance_alone():
    # A leak learnt offline: test precision 0.57 and recall 0.93; production 0.37 / 0.40.
    realised = {"base_rate": 0.14, "precision": 0.37, "recall": 0.40, "tp": 80, "fp": 136,
                "fn": 120}
    estimated = {"base_rate": 0.14, "precision": 0.36, "recall": 0.41}
    promised = {"precision": 0.57, "recall": 0.93}
    tier, reasons = alerts.assess({}, 0.0, estimated, realised, 1500,
                                  alerts.Impact(RELIES, False, promised=promised))
    assert tier == alerts.ALARM
    assert any("realised recall 0.40 vs 0.93 on the test split at training" in r
               for r in reasons), reasons
    # Without a broken promise the same window is quiet: realised matches the estimate.
    assert alerts.assess({}, 0.0, estimated, realised, 1500,
                         alerts.Impact(RELIES, False))[0] == alerts.OK


def test_a_segment_that_went_silent_alarms_whatever_the_reliance():
    import pandas as pd

    from lab.monitor.core import _vanished_share

    ref = pd.Series(["eu"] * 300 + ["us"] * 600 + ["apac"] * 100)
    assert _vanished_share(ref, pd.Series(["us"] * 600 + ["apac"] * 100)) == 0.3
    # A rare category absent from a small window is chance, not a silent segment.
    assert _vanished_share(ref, pd.Series(["us"] * 60 + ["eu"] * 30)) == 0.0
    silent = {"length": _feature(vanished_share=0.3)}
    tier, reasons = alerts.assess(silent, 0.0, None, None, 0, alerts.Impact(RELIES, False))
    assert tier == alerts.ALARM and "a segment went silent" in reasons[0]
    # Gone but replaced by categories never seen: a rename, the rows are still decided.
    renamed = {"length": _feature(vanished_share=0.3, unseen_share=0.3)}
    tier, reasons = alerts.assess(renamed, 0.0, None, None, 0, alerts.Impact(RELIES, False))
    assert tier == alerts.WARN and not any("went silent" in r for r in reasons)


def test_importance_is_measured_on_enough_positives_at_extreme_imbalance():
    import numpy as np

    from lab.monitor.reference import IMPORTANCE_ROWS, importance_sample

    rng = np.random.default_rng(0)
    held = pd.DataFrame({"x": rng.normal(size=56_000),
                         "y": (rng.random(56_000) < 0.004).astype(int)})  # ~224 frauds
    sample = importance_sample(held, "y")
    assert len(sample) == IMPORTANCE_ROWS and sample.index.is_unique
    # Every positive of the held-out rows (a random draw would hold about a dozen).
    assert sample["y"].sum() == held["y"].sum() > 150
    common = held.assign(y=(rng.random(56_000) < 0.3).astype(int))
    assert importance_sample(common, "y")["y"].sum() == IMPORTANCE_ROWS // 2  # capped at half
    small = held.iloc[:1000]
    assert importance_sample(small, "y").equals(small)  # fewer rows than asked: all of them

"""The model lifecycle: a challenger trained on recent data, registered beside the champion,
judged on later rows, promoted and rolled back by moving aliases (never stages)."""

import pandas as pd
import pytest

from lab import tracking
from lab.data import production_frame
from lab.drift.delivery import LABEL_POLICY
from lab.lifecycle import Candidate, compare, recent_split, rethresholded
from lab.monitor.reference import build_reference
from lab.scenario import load_scenario
from lab.train import train

SCENARIO = "sla-escalations-miss-real-breaches"  # concept drift halfway through production


@pytest.fixture
def scenario():
    return load_scenario(SCENARIO)


def test_retrained_on_recent_data_the_challenger_wins_and_aliases_move(scenario):
    ts = scenario.world_.schema.timestamp
    champion = train(scenario, seed=0, rows=4000)
    production = production_frame(scenario, rows=12_000, seed=1, reference_rows=4000)
    onset = pd.Timestamp(production.truths[0].onset_time)
    recent = recent_split(production.frame, ts, onset, onset + pd.Timedelta(days=2))
    challenger = train(scenario, seed=0, frame=recent.train, alias=tracking.CHALLENGER)

    # Registered beside the champion, which still serves.
    assert tracking.aliases(SCENARIO) == {"champion": champion.version,
                                          "challenger": challenger.version}
    card = tracking.load_champion_card(SCENARIO, alias=tracking.CHALLENGER)
    assert card["data"]["source"] == "frame" and card["data"]["rows"] == len(recent.train)
    assert pd.Timestamp(card["data"]["start"]) >= onset
    assert tracking.load_champion_card(SCENARIO)["data"] == {"source": "reference"}
    runs = tracking.training_runs(SCENARIO)
    assert list(runs["params.data"]) == ["frame", "reference"]  # newest first
    assert list(runs["run_id"]) == [challenger.run_id, champion.run_id]

    old = Candidate("champion", champion.pipeline, champion.threshold)
    table = compare(scenario, [old, rethresholded(scenario, old, recent.train),
                               Candidate("challenger", challenger.pipeline,
                                         challenger.threshold)], recent.holdout)
    assert list(table.index) == ["champion", "champion, re-thresholded", "challenger"]
    assert table.loc["champion, re-thresholded", "roc_auc"] == table.loc["champion", "roc_auc"]
    assert table["cost_per_day"].idxmin() == "challenger"
    assert table.loc["challenger", "roc_auc"] > table.loc["champion", "roc_auc"] + 0.05

    # Promote: @champion moves, the old one is parked, the challenger alias is used up.
    assert tracking.promote(SCENARIO, challenger.version) == champion.version
    assert tracking.aliases(SCENARIO) == {"champion": challenger.version,
                                          "previous": champion.version}
    assert tracking.load_champion(SCENARIO).version == challenger.version
    # It is monitored against the rows it learnt from, not the scenario's reference.
    reference = build_reference(SCENARIO)
    assert len(reference.frame) == len(recent.train)
    assert reference.frame[ts].min() >= onset
    assert reference.frame[scenario.world_.schema.target].tolist() == \
        recent.train.sort_values(ts, kind="stable")[scenario.world_.schema.target].tolist()
    # Roll back and forward: a swap of two aliases.
    assert tracking.roll_back(SCENARIO) == champion.version
    assert tracking.aliases(SCENARIO) == {"champion": champion.version,
                                          "previous": challenger.version}
    assert tracking.roll_back(SCENARIO) == challenger.version
    listed = tracking.versions(SCENARIO)
    assert [v["version"] for v in listed] == [champion.version, challenger.version]
    assert listed[1]["aliases"] == ["champion"] and listed[0]["aliases"] == ["previous"]
    assert listed[1]["threshold"] == pytest.approx(challenger.threshold)
    with pytest.raises(ValueError, match="version: .* has no version 99"):
        tracking.set_alias(SCENARIO, "champion", 99)


def test_nothing_to_roll_back_to_is_said(scenario):
    train(scenario, seed=0, rows=2000)
    with pytest.raises(tracking.NoChampion, match="no @previous"):
        tracking.roll_back(SCENARIO)
    with pytest.raises(LookupError, match="no training runs"):
        tracking.training_runs("no-such-scenario")


def test_a_bad_training_frame_is_named(scenario):
    frame = scenario.world_.sample(500, seed=0)
    with pytest.raises(ValueError, match="frame: missing column"):
        train(scenario, frame=frame.drop(columns=["team_load"]))
    with pytest.raises(ValueError, match="frame: .* too few"):
        train(scenario, frame=frame.head(50))
    unlabelled = frame.assign(**{scenario.world_.schema.target: None})
    with pytest.raises(ValueError, match="labelled on every row"):
        train(scenario, frame=unlabelled)


def test_recent_split_cuts_by_time_and_drops_the_hidden_columns(scenario):
    ts = scenario.world_.schema.timestamp
    frame = scenario.world_.sample(3000, seed=2)
    frame[LABEL_POLICY] = None
    start = frame[ts].min()
    cut = recent_split(frame, ts, start + pd.Timedelta(hours=12), start + pd.Timedelta(days=1))
    assert LABEL_POLICY not in cut.train and LABEL_POLICY not in cut.holdout
    assert cut.train[ts].min() >= cut.since and cut.train[ts].max() < cut.until
    assert cut.holdout[ts].min() >= cut.until
    assert len(cut.train) + len(cut.holdout) == int((frame[ts] >= cut.since).sum())
    with pytest.raises(ValueError, match="until: must be after since"):
        recent_split(frame, ts, start + pd.Timedelta(days=1), start)
    with pytest.raises(ValueError, match="since/until: .* both need rows"):
        recent_split(frame, ts, start + pd.Timedelta(days=30), start + pd.Timedelta(days=31))
    with pytest.raises(ValueError, match="timestamp: no column"):
        recent_split(frame, "when", start, start + pd.Timedelta(days=1))

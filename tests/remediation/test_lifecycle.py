"""The lifecycle for real: a trained workspace model, a retrained challenger in shadow,
promotion, roll-back, a canary and a fixed feed, each week run through a real server (which
serves the shadow and the canary itself); MLflow keeps the challenger's lineage and every
alias move, and the attempt keeps the outcomes."""

from __future__ import annotations

import io
import json

import httpx
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from lab import tracking
from lab.attempts import AttemptStore
from lab.cli import app
from lab.config import get_settings
from lab.grade import Answers, Grade
from lab.remediation import RemedyError
from lab.remediation.cli import print_remedy
from lab.remediation.live import apply_remedy
from lab.remediation.outcome import decide, realised
from lab.remediation.week import next_week, span_of
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from lab.serve.rollout import bucket
from lab.serve.store import PredictionStore
from lab.train import train

SCENARIO = "sla-flagging-dropped-tuesday"
ROWS = 6000


@pytest.mark.slow
def test_shadow_promote_roll_back_and_fix_through_the_server():
    scenario = load_scenario(SCENARIO)
    train(scenario, seed=0, rows=ROWS, workspace="alice")
    name = f"alice.{SCENARIO}"
    # The diagnosis was submitted: the remedies after it are kept with that attempt.
    attempts = AttemptStore(workspace="alice")
    attempt = attempts.save(scenario, Grade(SCENARIO, 40.0, [], [], None, None),
                            Answers(action="retrain"), run="diagnosed")

    # One server for every week: it follows @champion each time it is told to reload.
    server = ServerProcess(models=[name]).start()
    try:
        shadow, promoted, rolled = _three_weeks(scenario, name, server.url)
        canary = _canary_week(scenario, name, server.url)
    finally:
        server.stop()
    moves = [(m["alias"], m["action"], m["from"], m["to"])
             for m in tracking.alias_history(name)]
    assert moves == [("champion", "train", None, 1), ("challenger", "retrain", None, 2),
                     ("champion", "promote", 1, 2), ("champion", "roll-back", 2, 1),
                     ("challenger", "retrain", 2, 3)]

    # The attempt keeps each outcome in order; the first remedy's is the graded one, and
    # the promotion says it followed a shadow week.
    kept = attempts.grade_of(attempt)["remedies"]
    assert [(r["remedy"], r["rollout"], r["graded"]) for r in kept] == [
        ("retrain", "shadow", True), ("promote", None, False), ("roll-back", None, False),
        ("retrain", "canary", False)]
    first = kept[0]
    assert first["outcome"]["points"] == shadow.outcome_part().points
    assert first["after"]["cost_per_day"] == pytest.approx(shadow.after.cost_per_day)
    assert first["regret_per_day"] == pytest.approx(shadow.regret_per_day)
    assert first["comparison"]["cost_per_day"]["challenger"] == pytest.approx(
        shadow.shadow.cost_per_day)
    assert kept[1]["compared_before_promotion"] is True
    assert kept[1]["notes"][0].startswith(f"promoted v2 after a shadow week (run {shadow.run})")
    assert kept[3]["comparison"]["answered"] == canary.comparison.answered
    attempts.dispose()

    # The feed fixed from the start of the week, from the command line (its own server).
    result = CliRunner().invoke(app, ["--workspace", "alice", "remedy", SCENARIO,
                                      "fix-pipeline", "--rows", str(ROWS), "--json"])
    assert result.exit_code == 0, result.output
    fixed = json.loads(result.stdout)
    evaluated = fixed["evaluation"]["outcomes"]
    assert fixed["after"]["cost_per_day"] == pytest.approx(
        evaluated["fix-pipeline"]["cost_per_day"], rel=1e-3)
    assert fixed["after"]["cost_per_day"] < 0.9 * evaluated["nothing"]["cost_per_day"]
    assert fixed["evaluation"]["best"] == "fix-pipeline"
    assert fixed["grade"]["points"] == 10 and fixed["regret_per_day"] == pytest.approx(0, abs=1)
    assert fixed["attempt"] == {"id": attempt, "graded": False,
                                "compared_before_promotion": None, "notes": []}


def _three_weeks(scenario, name, url):
    # A challenger retrained on everything labelled so far, served in shadow by the server.
    shadow = apply_remedy(scenario, "retrain", workspace="alice", rows=ROWS, data="both",
                          rollout="shadow", url=url)
    shadow.keep("alice")
    challenger = shadow.challenger
    assert (shadow.champion_before, shadow.champion_after, challenger.version) == (1, 1, 2)
    assert tracking.champion_version(name, tracking.CHALLENGER) == 2
    tags = tracking.run_tags(challenger.run_id)
    assert tags["driftlab.data.source"] == "both"
    assert int(tags["driftlab.data.reference_rows"]) == ROWS
    assert 0 < int(tags["driftlab.data.production_rows"]) < ROWS  # labelled by the run's end
    assert tags["driftlab.retrained_from"] == "1"
    # The champion served the week unchanged: the server's decisions cost what doing
    # nothing costs in the offline evaluation of the same week.
    assert shadow.after.cost_per_day == pytest.approx(
        shadow.evaluation.outcomes["nothing"].cost_per_day, rel=1e-3)
    # The server scored every request of the week with both; the champion answered.
    store = PredictionStore(get_settings().prediction_store_url)
    assert set(store.frame(name, run=shadow.run)["version"]) == {1}
    logged = store.shadow_frame(name, run=shadow.run)
    assert len(logged) == shadow.after.rows and set(logged["version"]) == {2}
    store.dispose()
    assert shadow.comparison.answered == {"champion": shadow.after.rows,
                                          "challenger": shadow.after.rows}
    assert shadow.comparison.cost_per_day("champion") == pytest.approx(
        shadow.after.cost_per_day)
    assert len(shadow.comparison.per_window) == 2 * shadow.after.days
    # Off again after the week: the champion serves alone.
    assert httpx.get(f"{url}/models/{name}", timeout=10).json()["rollout"]["mode"] == "off"
    # Both logged, day by day, on the challenger's run.
    assert tracking.run_metrics(challenger.run_id, "shadow_cost") == pytest.approx(
        shadow.shadow.per_day["cost"].tolist())
    assert tracking.run_metrics(challenger.run_id, "champion_cost") == pytest.approx(
        shadow.after.per_day["cost"].tolist())
    scores = pd.read_csv(io.StringIO(tracking.load_run_text(challenger.run_id,
                                                            "shadow/scores.csv")))
    assert len(scores) == shadow.after.rows and scores["request_id"].str.startswith(
        shadow.run).all()
    assert scores["shadow_decision"].sum() == round(shadow.shadow.alerts_per_day * 7)
    assert scores["champion_decision"].sum() == round(shadow.after.alerts_per_day * 7)

    # Promoted, the challenger serves the next week exactly as it did in shadow.
    promoted = apply_remedy(scenario, "promote", workspace="alice", rows=ROWS, url=url)
    promoted.keep("alice")
    assert (promoted.champion_before, promoted.champion_after) == (1, 2)
    assert promoted.after.cost_per_day == pytest.approx(shadow.shadow.cost_per_day, rel=1e-3)

    # Rolled back: version 1 serves again, and costs what it cost before.
    rolled = apply_remedy(scenario, "roll-back", workspace="alice", rows=ROWS, url=url)
    rolled.keep("alice")
    assert (rolled.champion_before, rolled.champion_after) == (2, 1)
    assert rolled.after.cost_per_day == pytest.approx(shadow.after.cost_per_day, rel=1e-3)
    assert rolled.evaluation.outcomes["roll-back"].cost_per_day == pytest.approx(
        rolled.after.cost_per_day, rel=1e-3)
    # A new threshold on the live model: the server applies it on reload. (Chosen by the
    # lab it cannot be here: with a two-day label delay no label after the onset is back.)
    with pytest.raises(RemedyError, match="threshold: cannot be chosen: only 0 labelled"):
        apply_remedy(scenario, "re-threshold", workspace="alice", rows=ROWS, url=url)
    moved = apply_remedy(scenario, "re-threshold", workspace="alice", rows=ROWS, url=url,
                           threshold=0.2)
    served = httpx.get(f"{url}/models/{name}", timeout=10).json()["threshold"]["threshold"]
    assert served == pytest.approx(0.2)
    live = tracking.load_version(name, 1).pipeline
    week = next_week(span_of(scenario, 0, ROWS, ROWS))
    _, alerts = decide(live, week.frame, scenario.world_.schema.names, 0.2)
    assert moved.after.cost_per_day == pytest.approx(
        realised("x", week.frame, alerts, scenario).cost_per_day, rel=1e-3)
    trained = tracking.load_champion_card(name)["threshold"]["trained"]
    assert (moved.after.alerts_per_day < rolled.after.alerts_per_day) == (0.2 > trained)

    for run in (shadow, promoted, rolled, moved):  # what --json prints, for every kind
        summary = run.to_dict()
        assert summary["grade"]["part"] == "outcome" and summary["remedy"] == run.remedy
        assert summary["regret_per_day"] >= 0
    return shadow, promoted, rolled


def _canary_week(scenario, name, url):
    # A new challenger answers 30% of the week's requests, chosen by request id (seed 0).
    canary = apply_remedy(scenario, "retrain", workspace="alice", rows=ROWS, url=url,
                          rollout="canary", share=0.3)
    canary.keep("alice")
    assert (canary.champion_after, canary.challenger.version) == (1, 3)
    store = PredictionStore(get_settings().prediction_store_url)
    served = store.frame(name, run=canary.run)
    store.dispose()
    expected = [3 if bucket(rid, 0) < 0.3 else 1 for rid in served["request_id"]]
    assert served["version"].tolist() == expected
    answered = canary.comparison.answered
    assert answered == {"champion": expected.count(1), "challenger": expected.count(3)}
    assert 0.25 < answered["challenger"] / len(served) < 0.35
    assert sum(answered.values()) == canary.after.rows
    assert httpx.get(f"{url}/models/{name}", timeout=10).json()["rollout"]["mode"] == "off"
    summary = canary.to_dict()
    assert summary["rollout"] == "canary" and summary["comparison"]["versions"] == {
        "champion": 1, "challenger": 3}
    # What the command prints: the comparison per day, and who won.
    console = Console(record=True, width=240)
    print_remedy(summary, canary, console)
    text = console.export_text()
    assert "canary: champion against challenger, per day" in text
    assert "v3 cost/d" in text and "challenger v3;" in text
    assert canary.comparison.verdict() in " ".join(text.split())
    return canary


def test_remedy_errors_name_the_field():
    runner = CliRunner()
    result = runner.invoke(app, ["remedy", SCENARIO, "reboot"])
    assert result.exit_code == 2 and "remedy: 'reboot' is not allowed" in result.output
    result = runner.invoke(app, ["remedy", SCENARIO, "nothing"])
    assert result.exit_code == 2 and "has no @champion" in result.output
    train(load_scenario(SCENARIO), seed=0, rows=3000)
    for args, message in ((["promote"], "has no @challenger (retrain first)"),
                          (["roll-back"], "has no earlier @champion to go back to"),
                          (["retrain", "--data", "all"], "data: 'all' is not allowed"),
                          (["retrain", "--shadow", "--canary", "0.3"],
                           "give --shadow or --canary SHARE, not both"),
                          (["re-threshold", "--threshold", "1.5"],
                           "threshold: threshold must be between 0 and 1")):
        result = runner.invoke(app, ["remedy", SCENARIO, *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
    assert tracking.champion_version(SCENARIO) == 1  # nothing moved
    # A fault at the server: no model remedy is run, the service part grades the remedy.
    result = runner.invoke(app, ["remedy", "sla-slow-escalations", "retrain"])
    assert result.exit_code == 2
    assert "graded by the service part" in " ".join(result.output.split())

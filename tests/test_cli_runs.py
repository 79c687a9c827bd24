"""Prediction runs and workspaces on the command line: nothing acknowledged is deleted
except by an explicit `prune --yes`, and every workspace has models of its own."""

import json

import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore

pytestmark = pytest.mark.slow
runner = CliRunner()
SCENARIO = "sla-escalation-queue-flooded"


def invoke(*args: str) -> dict | list | str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_runs_are_kept_listed_monitored_one_at_a_time_and_pruned_explicitly(lab_home):
    invoke("train", SCENARIO, "--rows", "6000", "--json")
    with ServerProcess(Settings(home=lab_home)) as server:
        first = invoke("traffic", SCENARIO, "--url", server.url, "--rows", "1500", "--json")
        second = invoke("traffic", SCENARIO, "--url", server.url, "--rows", "3000",
                        "--seed", "3", "--json")
    assert first["run"] != second["run"]
    assert first["predictions"] == 1500 and second["predictions"] == 3000

    runs = {r["run"]: r for r in invoke("runs", "--json")}
    assert runs[first["run"]]["predictions"] == 1500
    assert runs[second["run"]]["predictions"] == 3000

    newest = invoke("monitor", SCENARIO, "--json")
    assert newest["run"] == second["run"]
    assert sum(w["rows"] for w in newest["windows"]) == 3000
    older = invoke("monitor", SCENARIO, "--run", first["run"], "--json")
    assert sum(w["rows"] for w in older["windows"]) == 1500

    dry = invoke("prune", "--model", SCENARIO, "--run", first["run"])
    assert f"would delete 1,500 predictions of '{SCENARIO}' in run '{first['run']}'" in dry
    assert "--yes" in dry
    store = PredictionStore(Settings(home=lab_home).prediction_store_url)
    assert store.count(SCENARIO) == 4500  # a dry run deletes nothing
    done = invoke("prune", "--model", SCENARIO, "--run", first["run"], "--yes")
    assert "deleted 1,500 predictions" in done
    assert store.count(SCENARIO) == 3000 and store.count(SCENARIO, run=second["run"]) == 3000
    store.dispose()

    # Grading reads the run the candidate diagnosed: its log, its monitoring, its truth.
    sheet = lab_home / "answers.yaml"
    sheet.write_text("features: [minutes_to_first_response]\nkind: pipeline\n"
                     "root_cause: upstream-unit-change\naction: fix-pipeline\n")
    graded = invoke("grade", SCENARIO, "--answers", str(sheet), "--json")
    assert graded["truth"][0]["kind"] == "unit_change"
    assert graded["truth"][0]["onset_row"] == int(0.4 * 3000)  # the second run's 3000 rows
    from lab.attempts import AttemptStore

    store_ = AttemptStore()
    saved = store_.frame()
    store_.dispose()
    assert saved["run"].tolist() == [second["run"]]

    missing = runner.invoke(app, ["monitor", SCENARIO, "--run", first["run"]])
    assert missing.exit_code == 2 and "no predictions of run" in missing.output
    nothing = runner.invoke(app, ["prune", "--model", SCENARIO])
    assert nothing.exit_code == 2 and "--before DATE and/or --run RUN" in nothing.output


def test_each_workspace_trains_its_own_model(lab_home):
    alice = invoke("--workspace", "alice", "train", SCENARIO, "--rows", "3000", "--json")
    bob = invoke("-w", "bob", "train", SCENARIO, "--rows", "3000", "--json")
    bob_again = invoke("-w", "bob", "train", SCENARIO, "--rows", "3000", "--json")
    assert alice["model"] == f"alice.{SCENARIO} v1"
    assert bob["model"] == f"bob.{SCENARIO} v1" and bob_again["model"] == f"bob.{SCENARIO} v2"
    from lab import tracking

    assert tracking.champion_version(f"alice.{SCENARIO}") == 1
    assert tracking.champion_version(SCENARIO) is None  # the default workspace is untouched


def test_a_bad_workspace_name_is_refused_with_what_is_allowed():
    result = runner.invoke(app, ["--workspace", "Alice Smith!", "scenarios"])
    assert result.exit_code == 2
    assert "workspace 'Alice Smith!' is not allowed" in result.output
    assert "lower-case letters, digits, '-' or '_'" in result.output


def test_notebooks_are_listed_with_how_to_open_them():
    text = invoke("notebooks")
    assert "02-precision-recall-thresholds.ipynb" in text
    # Every topic, with its title.
    for name in ("03-fault-taxonomy.ipynb", "06-serving-and-latency.ipynb",
                 "07-model-lifecycle.ipynb"):
        assert name in text
    assert "The fault taxonomy: every fault injected and looked at" in text
    assert "-m jupyter lab" in text and "notebooks" in text

import json
import subprocess
import sys

from typer.testing import CliRunner

from lab.cli import app
from lab.scenario import scenario_files

runner = CliRunner()


def test_scenarios_json_lists_every_file():
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [p.stem for p in scenario_files()]
    assert set(rows[0]) == {"id", "title", "topics", "difficulty", "minutes"}


def test_scenarios_table():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0 and "sla-quiet-week" in result.stdout


def test_train_prints_a_summary_and_how_to_open_the_runs(lab_home):
    done = subprocess.run([sys.executable, "-m", "lab.cli", "train", "sla-quiet-week",
                           "--rows", "3000", "--seed", "2"], capture_output=True, text=True,
                          timeout=300, env={**__import__("os").environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    assert "sla-quiet-week v1 @champion (3,000 rows, seed 2)" in done.stdout
    for word in ("precision", "recall", "roc_auc", "pr_auc", "brier", "threshold"):
        assert word in done.stdout
    assert f"mlflow ui --backend-store-uri sqlite:///{lab_home}/mlflow.db" in done.stdout
    assert "Traceback" not in done.stderr


def test_train_json(lab_home):
    result = runner.invoke(app, ["train", "sla-quiet-week", "--rows", "3000", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["model"] == "sla-quiet-week v1" and summary["rows"] == 3000
    assert 0 < summary["threshold"] < 1

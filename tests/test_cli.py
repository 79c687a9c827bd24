import json
import subprocess
import sys
import time

import pytest
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
    assert result.exit_code == 0 and "sla-dashboard-wiggles" in result.stdout


def test_train_prints_a_summary_and_how_to_open_the_runs(lab_home):
    done = subprocess.run([sys.executable, "-m", "lab.cli", "train", "sla-dashboard-wiggles",
                           "--rows", "3000", "--seed", "2"], capture_output=True, text=True,
                          timeout=300, env={**__import__("os").environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    assert "sla-dashboard-wiggles v1 @champion (3,000 rows, seed 2)" in done.stdout
    for word in ("precision", "recall", "roc_auc", "pr_auc", "brier", "threshold"):
        assert word in done.stdout
    assert f"mlflow ui --backend-store-uri sqlite:///{lab_home}/mlflow.db" in done.stdout
    assert "Traceback" not in done.stderr


def test_train_json(lab_home):
    result = runner.invoke(app, ["train", "sla-dashboard-wiggles", "--rows", "3000", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["model"] == "sla-dashboard-wiggles v1" and summary["rows"] == 3000
    assert 0 < summary["threshold"] < 1


@pytest.mark.slow
def test_run_does_the_whole_loop_and_reveals_the_truth(lab_home):
    result = runner.invoke(app, ["run", "sla-flagging-dropped-tuesday", "--rows", "1500", "--json",
                                 "--reveal"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["trained_now"] and summary["model_version"] == 1
    assert summary["traffic"]["predictions"] == 1500
    assert summary["traffic"]["errors_by_status"] == {}
    [truth] = summary["truth"]
    assert truth["kind"] == "missing_values" and truth["features"] == ["team_load"]
    monitoring = summary["monitoring"]
    assert monitoring["summary"]["alert"] == "alarm"
    assert monitoring["suspects"][0]["feature"] == "team_load"
    assert monitoring["truth"] == summary["truth"]
    # The same log, through `driftlab monitor`, with both pictures of the timeline.
    png, html = lab_home / "timeline.png", lab_home / "timeline.html"
    result = runner.invoke(app, ["monitor", "sla-flagging-dropped-tuesday", "--json",
                                 "--png", str(png),
                                 "--html", str(html), "--window", "750"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["rows"] for w in data["windows"]] == [750, 750]
    assert [w["alert"] for w in data["windows"]] == ["ok", "alarm"]
    assert png.read_bytes()[:4] == b"\x89PNG" and "plotly" in html.read_text()[:200_000]
    again = json.loads(runner.invoke(app, ["run", "sla-flagging-dropped-tuesday", "--rows", "600",
                                           "--json"]).stdout)
    assert not again["trained_now"] and "truth" not in again


@pytest.mark.slow
def test_serve_starts_a_real_server_on_the_asked_port(lab_home):
    import httpx

    from lab.serve.process import free_port

    runner.invoke(app, ["train", "sla-dashboard-wiggles", "--rows", "2000", "--json"])
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lab.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health["models"] == {"sla-dashboard-wiggles": 1}
    finally:
        proc.terminate()
        proc.wait(20)


def test_traffic_without_a_server_is_a_clear_error():
    result = runner.invoke(app, ["traffic", "sla-dashboard-wiggles", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "no Driftlab server answers at http://127.0.0.1:9" in result.stderr


def test_grade_prints_each_part_and_saves_the_attempt(lab_home, tmp_path):
    from lab.attempts import AttemptStore

    runner.invoke(app, ["train", "sla-escalation-queue-flooded", "--rows", "6000", "--json"])
    answers = tmp_path / "answers.yaml"
    answers.write_text("features: [minutes_to_first_response]\nkind: pipeline\n"
                       "root_cause: upstream-unit-change\naction: roll-back\nthreshold: 0.3\n"
                       "justification: an upstream unit change; precision fell\n")
    no_run = runner.invoke(app, ["grade", "sla-escalation-queue-flooded", "--answers",
                                 str(answers)])
    assert no_run.exit_code == 2 and "no production run of 'sla-escalation-queue-flooded'" \
        in no_run.stderr and "--replay" in no_run.stderr
    result = runner.invoke(app, ["grade", "sla-escalation-queue-flooded", "--answers",
                                 str(answers), "--json", "--replay", "--rows", "4500"])
    assert result.exit_code == 0, result.output
    graded = json.loads(result.stdout)
    points = {p["name"]: p["points"] for p in graded["parts"]}
    assert points["features"] == 10 and points["kind"] == 5 and points["action"] == 10
    assert points["claims"] == 0 and "Unanswered" in graded["parts"][4]["why"]
    assert graded["truth"][0]["kind"] == "unit_change"
    assert AttemptStore().best_scores() == {"sla-escalation-queue-flooded": graded["total"]}
    answers.write_text("kind: pipelne\nroot_cause: aliens\n")
    result = runner.invoke(app, ["grade", "sla-escalation-queue-flooded",
                                 "--answers", str(answers)])
    assert result.exit_code == 2 and "kind: 'pipelne' is not allowed" in result.stderr
    assert "root_cause: 'aliens' is not an option" in result.stderr  # every problem at once


def _modes(root):
    import os
    from pathlib import Path

    found = {Path(root): os.stat(root).st_mode & 0o777}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            found[path] = os.stat(path).st_mode & 0o777
    return found


@pytest.mark.parametrize("umask", [0o000])  # the most permissive: nothing left to chance
def test_the_lab_home_is_private_whatever_the_umask(tmp_path, monkeypatch, umask):
    import os

    from lab.attempts import AttemptStore
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    home = tmp_path / "new-home"
    monkeypatch.setenv("LAB_HOME", str(home))
    get_settings.cache_clear()
    before = os.umask(umask)
    try:
        result = runner.invoke(app, ["train", "sla-dashboard-wiggles", "--rows", "2000", "--json"])
        assert result.exit_code == 0, result.output
        PredictionStore(get_settings().prediction_store_url).dispose()
        AttemptStore().dispose()
    finally:
        os.umask(before)
    modes = _modes(home)
    for name in ("mlflow.db", "predictions.db", "attempts.db"):
        assert modes[home / name] == 0o600, name
    artifacts = [p for p in modes if (home / "artifacts") in p.parents]
    assert any(p.name == "driftlab.json" for p in artifacts)  # the run's files are there
    wrong = {str(p): oct(m) for p, m in modes.items()
             if m != (0o700 if p.is_dir() else 0o600)}
    assert wrong == {}


def test_an_existing_world_readable_home_is_tightened(tmp_path, monkeypatch):
    import os

    from lab.config import ensure_home, get_settings

    home = tmp_path / "old-home"
    home.mkdir(mode=0o755)
    (home / "predictions.db").write_bytes(b"")
    os.chmod(home, 0o755)
    os.chmod(home / "predictions.db", 0o644)
    monkeypatch.setenv("LAB_HOME", str(home))
    get_settings.cache_clear()
    ensure_home()
    assert _modes(home)[home] == 0o700
    assert _modes(home)[home / "predictions.db"] == 0o600


def test_private_sqlite_makes_the_file_before_the_engine(tmp_path):
    import os

    import sqlalchemy as sa

    from lab.config import private_sqlite

    url = f"sqlite:///{tmp_path / 'store.db'}"
    before = os.umask(0)
    try:
        engine = sa.create_engine(private_sqlite(url))
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (x int)"))
        engine.dispose()
    finally:
        os.umask(before)
    assert (tmp_path / "store.db").stat().st_mode & 0o777 == 0o600
    assert private_sqlite("sqlite://") == "sqlite://"  # in memory: nothing to create
    assert private_sqlite("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"

"""The monitoring JSON keeps its documented schema; the CLI speaks clearly."""

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.monitor import parse_window, summarize

SCHEMA = json.loads(Path("docs/monitoring.schema.json").read_text())


def test_json_output_follows_the_documented_schema(lab):
    log, truths = lab.log("sla-flagging-dropped-tuesday")
    result = summarize(lab.reference("sla-flagging-dropped-tuesday"), log, "1d")
    data = json.loads(json.dumps(result.to_dict()))
    data["truth"] = [t.to_dict() for t in truths]
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["alert"] == "alarm"
    assert data["summary"]["first_alert"]["index"] == next(
        w["index"] for w in data["windows"] if w["alert"] != "ok")
    assert data["suspects"][0]["feature"] == "team_load"
    assert {"kind", "features"} <= set(data["truth"][0])
    documented = Path("docs/monitoring.md").read_text()
    for key in data["windows"][0]:
        assert key in documented, f"windows[].{key} is not documented"


@pytest.mark.parametrize("spec, expected", [
    ("2000", 2000), ("1d", pd.Timedelta(days=1)), ("12h", pd.Timedelta(hours=12)),
    ("1w", pd.Timedelta(days=7)), ("30m", pd.Timedelta(minutes=30))])
def test_window_forms(spec, expected):
    assert parse_window(spec) == expected


@pytest.mark.parametrize("spec", ["0", "fortnight", "-5", "3y"])
def test_bad_windows_are_named(spec):
    with pytest.raises(ValueError, match="window must be a number of rows"):
        parse_window(spec)


def test_cli_without_predictions_or_model_is_a_clear_error(lab, tmp_path, monkeypatch):
    runner = CliRunner()
    lab.reference("sla-dashboard-wiggles")
    result = runner.invoke(app, ["monitor", "sla-dashboard-wiggles"])
    assert result.exit_code == 2 and "no predictions of 'sla-dashboard-wiggles'" in result.stderr
    result = runner.invoke(app, ["monitor", "sla-dashboard-wiggles", "--window", "soon"])
    assert result.exit_code == 2 and "window must be a number of rows" in result.stderr

"""Bring your own data: two files in, the monitor's summary out; bad files named clearly."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.monitor.core import features_health
from lab.owndata import OwnDataError, monitor_own_data, prepare
from lab.owndata.summary import health
from lab.owndata.synthetic import example_frame

SCHEMA = json.loads(Path("docs/monitoring.schema.json").read_text())
ROLES = {"target": "defaulted", "prediction": "prediction", "timestamp": "when"}


def own_schema() -> dict:
    """The monitor's schema with the documented own-data differences: no model version,
    and no prediction drift, alert rate or estimate when there is no prediction column."""
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["model"]["properties"]["version"] = {"type": ["integer", "null"]}
    window = schema["properties"]["windows"]["items"]["properties"]
    window["prediction_drift"] = {"oneOf": [{"type": "null"}, window["prediction_drift"]]}
    window["alert_rate"] = {"type": ["number", "null"]}
    window["estimated"] = {"oneOf": [{"type": "null"}, window["estimated"]]}
    return schema


@pytest.fixture(scope="module")
def frames():
    """A reference week and a current four days; income moves by 1.5 sd from day 3."""
    ref = example_frame(6000, seed=1)
    cur = example_frame(8000, seed=2, start="2026-02-01", days=4)
    shifted = cur.copy()
    shifted.loc[shifted["when"] >= "2026-02-03", "income"] += 15.0
    return ref, cur, shifted


def test_known_shift_alarms_and_is_the_top_suspect(frames):
    ref, _cur, shifted = frames
    data = monitor_own_data(ref, shifted, **ROLES).to_dict()
    jsonschema.validate(json.loads(json.dumps(data, default=str)), own_schema())
    alerts = [w["alert"] for w in data["windows"]]
    assert alerts == ["ok", "ok", "alarm", "alarm"]
    assert data["summary"]["first_alert"]["index"] == 2
    assert any(r.startswith("income drifted") for r in data["windows"][2]["reasons"])
    assert data["windows"][2]["drifted_features"][0] == "income"
    assert data["suspects"][0]["feature"] == "income"
    assert data["suspects"][0]["score"] > 5 * data["suspects"][1]["score"]
    # Labels and a calibrated prediction: realised and estimated performance agree (the
    # shift is covariate only; P(y | x) holds).
    window = data["windows"][3]
    assert window["realised"] is not None and window["labelled"] == window["rows"]
    assert abs(window["realised"]["precision"] - window["estimated"]["precision"]) < 0.06
    assert data["reference"]["features"]["region"] == "categorical"
    assert data["reference"]["features"]["rating"] == "categorical"  # 5 integer levels
    assert data["reference"]["features"]["age"] == "numeric"
    assert data["model"]["version"] is None


def test_control_without_shift_does_not_alarm(frames):
    ref, cur, _shifted = frames
    data = monitor_own_data(ref, cur, **ROLES).to_dict()
    assert data["summary"]["alert"] == "ok", [w["reasons"] for w in data["windows"]]
    assert all(not w["drifted_features"] for w in data["windows"])


def test_without_prediction_importance_comes_from_a_quick_model(frames):
    ref, _cur, shifted = frames
    data = monitor_own_data(ref.drop(columns="prediction"), shifted.drop(columns="prediction"),
                            target="defaulted", timestamp="when").to_dict()
    jsonschema.validate(json.loads(json.dumps(data, default=str)), own_schema())
    assert data["windows"][0]["prediction_drift"] is None
    assert data["windows"][0]["estimated"] is None
    assert any("quick classifier" in n and "seed 0" in n for n in data["notes"])
    importance = {s["feature"]: s["importance"] for s in data["suspects"]}
    # The label depends on income and debt, not on noise: the quick model knows.
    assert importance["income"] > 0.05 and importance["debt"] > 0.02
    assert importance["noise"] < 0.01
    assert data["suspects"][0]["feature"] == "income"
    # Same seed, same numbers.
    again = monitor_own_data(ref.drop(columns="prediction"), shifted.drop(columns="prediction"),
                             target="defaulted", timestamp="when").to_dict()
    assert again["suspects"] == data["suspects"]


def test_without_timestamp_windows_are_rows(frames):
    ref, _cur, shifted = frames
    data = monitor_own_data(ref, shifted.drop(columns="when"), target="defaulted",
                            prediction="prediction", window=2000).to_dict()
    assert [w["start"] for w in data["windows"]] == ["row 0", "row 2000", "row 4000",
                                                     "row 6000"]
    assert [w["alert"] for w in data["windows"]] == ["ok", "ok", "alarm", "alarm"]
    one = monitor_own_data(ref, shifted.drop(columns="when"), window="1d").to_dict()
    assert len(one["windows"]) == 1 and any("needs a timestamp" in n for n in one["notes"])


def test_profiled_health_agrees_with_the_monitors_own(frames):
    """The fast path for large files gives the same numbers as core.features_health."""
    ref, cur, _ = frames
    cur = cur.copy()
    cur.loc[:500, "debt"] = np.nan                     # missing values
    cur.loc[600:700, "region"] = "atlantis"            # unseen category
    cur.loc[800:900, "age"] = 130.0                    # out of range
    cur["tenure"] *= 1.5                               # drift
    prepared = prepare(ref, cur, **ROLES)
    window = prepared.log.iloc[:3000]
    fast = health(prepared, window)
    slow = features_health(prepared.reference, window, np.arange(len(ref)))
    assert fast.keys() == slow.keys()
    for name in fast:
        for key, value in slow[name].items():
            if key not in fast[name]:
                # Checks the scenario monitor added later (a segment gone silent) are not
                # part of the own-data fast path yet.
                assert key in {"vanished_share", "reliance"}, (name, key)
                continue
            if isinstance(value, float):
                assert fast[name][key] == pytest.approx(value, rel=1e-6, abs=1e-9), (name, key)
            else:
                assert fast[name][key] == value, (name, key)
    assert fast["tenure"]["drifted"] and fast["debt"]["missing_share"] > 0.1
    assert fast["region"]["unseen_share"] > 0.02 and fast["age"]["out_of_range_share"] > 0.02


def test_a_dataset_shipped_with_scikit_learn():
    """Breast cancer (ships inside scikit-learn): one column rescaled in the current half
    is found; an untouched half is not."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True).frame
    shuffled = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    ref, cur = shuffled.iloc[:285], shuffled.iloc[285:].reset_index(drop=True)
    control = monitor_own_data(ref, cur, target="target").to_dict()
    assert control["summary"]["alert"] != "alarm", control["windows"][0]["reasons"]
    changed = cur.copy()
    changed["mean area"] = changed["mean area"] * 1.6   # e.g. a unit change upstream
    result = monitor_own_data(ref, changed, target="target").to_dict()
    assert result["summary"]["alert"] == "alarm"
    assert result["suspects"][0]["feature"] == "mean area"
    assert result["windows"][0]["features"]["mean area"]["method"] == "K-S p_value"
    assert any("quick classifier" in n for n in result["notes"])


# --- the command line, and every kind of bad file ---------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory, frames):
    folder = tmp_path_factory.mktemp("owndata")
    ref, _cur, shifted = frames
    ref.to_csv(folder / "ref.csv", index=False)
    shifted.to_parquet(folder / "cur.parquet")
    return folder


def run(*args: str):
    return CliRunner().invoke(app, ["monitor", *map(str, args)])


def test_cli_prints_the_summary_and_json(files):
    result = run("--reference", files / "ref.csv", "--current", files / "cur.parquet",
                 "--target", "defaulted", "--prediction", "prediction", "--timestamp", "when",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["alert"] == "alarm" and data["suspects"][0]["feature"] == "income"
    assert data["model"]["name"] == "ref.csv vs cur.parquet"
    table = run("--reference", files / "ref.csv", "--current", files / "cur.parquet",
                "--timestamp", "when")
    assert table.exit_code == 0 and "suspects: income" in table.stdout


def test_cli_writes_the_evidently_report(files, tmp_path):
    small = pd.read_parquet(files / "cur.parquet").iloc[:1500]
    small.to_csv(tmp_path / "cur.csv", index=False)
    ref = pd.read_csv(files / "ref.csv").iloc[:1500]
    ref.to_csv(tmp_path / "ref.csv", index=False)
    result = run("--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv",
                 "--target", "defaulted", "--prediction", "prediction", "--evidently", "0")
    assert result.exit_code == 0, result.output
    path = Path(result.stderr.split("Evidently report: ")[1].strip())
    assert path.exists() and "income" in path.read_text()[:2_000_000]
    missing = run("--reference", tmp_path / "ref.csv", "--current", tmp_path / "cur.csv",
                  "--evidently", "3")
    assert missing.exit_code == 2 and "window 3 does not exist" in missing.stderr


def _bad(folder: Path, case: str) -> tuple[list[str], list[str]]:
    """Arguments for one bad case and the words its error must contain."""
    ref = folder / "ref.csv"
    cur = folder / "cur.parquet"
    base = ["--reference", str(ref), "--current", str(cur)]
    if case == "missing file":
        return ["--reference", str(folder / "nope.csv"), "--current", str(cur)], \
            ["reference file", "nope.csv", "no such file"]
    if case == "unreadable":
        (folder / "junk.parquet").write_bytes(b"\x00\x01not parquet at all")
        return ["--reference", str(ref), "--current", str(folder / "junk.parquet")], \
            ["current file", "junk.parquet", "unreadable as Parquet"]
    if case == "empty":
        (folder / "empty.csv").write_text("")
        return ["--reference", str(folder / "empty.csv"), "--current", str(cur)], \
            ["reference file", "empty.csv", "empty"]
    if case == "header only":
        (folder / "header.csv").write_text("income,debt\n")
        return ["--reference", str(ref), "--current", str(folder / "header.csv")], \
            ["current file", "header.csv", "empty"]
    if case == "no common columns":
        pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(folder / "other.csv", index=False)
        return ["--reference", str(ref), "--current", str(folder / "other.csv")], \
            ["no common columns", "income", "a, b"]
    if case == "target not binary":
        return [*base, "--target", "rating"], ["reference file", "ref.csv", "'rating'",
                                               "not binary", "5 distinct"]
    if case == "target absent":
        return [*base, "--target", "churned"], ["ref.csv", "no column 'churned'", "--target"]
    if case == "timestamp unparsable":
        pd.DataFrame({"when": ["yesterday", "today"], "income": [1.0, 2.0]}).to_csv(
            folder / "badtime.csv", index=False)
        return ["--reference", str(ref), "--current", str(folder / "badtime.csv"),
                "--timestamp", "when"], ["current file", "badtime.csv", "timestamp column "
                                         "'when'", "not a date-time", "yesterday"]
    if case == "prediction not a probability":
        return [*base, "--prediction", "income"], ["ref.csv", "prediction column 'income'",
                                                   "outside [0, 1]"]
    if case == "current not given":
        return ["--reference", str(ref)], ["--current is missing"]
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing file", "unreadable", "empty", "header only",
                                  "no common columns", "target not binary", "target absent",
                                  "timestamp unparsable", "prediction not a probability",
                                  "current not given"])
def test_bad_files_are_named_without_a_traceback(files, case):
    args, words = _bad(files, case)
    result = CliRunner().invoke(app, ["monitor", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    message = " ".join(result.stderr.split())
    for word in words:
        assert word in message, (word, message)


def test_library_errors_are_typed(frames):
    ref, cur, _ = frames
    with pytest.raises(OwnDataError, match="current data: is empty"):
        monitor_own_data(ref, cur.iloc[:0])
    with pytest.raises(OwnDataError, match="window must be"):
        monitor_own_data(ref, cur, timestamp="when", window="soon")


# --- the app's "Your data" page ----------------------------------------------------------

def _own_data_page():
    from lab.ui.pages import own_data

    own_data.page()


def test_the_your_data_page_shows_the_summary():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_own_data_page, default_timeout=120)
    at.run()
    assert not at.exception and "Upload both files" in at.info[0].value
    at.button(key="own_example").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="own_target").value == "defaulted"
    assert at.selectbox(key="own_timestamp").value == "when"
    # Opens on the first window that alerted, with its reason.
    assert at.selectbox(key="own_window_index").value == 2
    assert any("Why this window alerted" in m.value and "income drifted" in m.value
               for m in at.markdown)
    assert [m.value for m in at.metric][:2] == ["4", "2"]
    at.selectbox(key="own_timestamp").set_value("(none)").run()
    assert not at.exception
    assert at.selectbox(key="own_window_index").options == ["0: row 0 · alarm"]

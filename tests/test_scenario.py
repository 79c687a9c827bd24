"""Scenario files: every shipped one loads; each kind of mistake gets its named error."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lab.scenario import ScenarioError, list_scenarios, load_scenario, scenario_files

GOOD = yaml.safe_load(Path("scenarios/sla-escalation-queue-flooded.yaml").read_text())


def test_every_shipped_scenario_loads_and_is_named_after_its_file():
    files = scenario_files()
    assert len(files) >= 7
    assert [s.id for s in list_scenarios()] == [f.stem for f in files]
    kinds = {k for s in list_scenarios() for k in s.fault_kinds}
    assert kinds == {"covariate", "prior", "concept", "pipeline", "labels", "none"}


def write(tmp_path, data, name="sla-escalation-queue-flooded.yaml", raw=None):
    path = tmp_path / name
    path.write_text(raw if raw is not None else yaml.safe_dump(data))
    return path


def changed(path_in_doc: str, value):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, last = path_in_doc.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize("data, field, message", [
    (changed("difficulty", "brutal"), "difficulty", "'brutal' is not allowed; input should be "
                                                    "'easy', 'medium' or 'hard'"),
    (changed("title", KeyError), "title", "required field is missing"),
    (changed("colour", "red"), "colour", "unknown field"),
    (changed("topics", ["cooking"]), "topics[0]", "'cooking' is not allowed"),
    (changed("world.kind", "space"), "world.kind", "unknown world kind 'space'; allowed: "
                                                   "['ci_pipelines', 'cloud_workspaces',"),
    (changed("world.params", {"base_rate": 2}), "world.params", "base_rate must be between"),
    (changed("model.kind", "svm"), "model.kind", "unknown model kind 'svm'; allowed:"),
    (changed("model.params", {"depth": 3}), "model.params", "unknown parameter(s) ['depth']"),
    (changed("costs.false_negative", -5), "costs.false_negative", "greater than or equal to 0"),
    (changed("label_delay", "two days"), "label_delay", "must be a duration like '30m'"),
    (changed("drift.0.kind", "teleport"), "drift[0]", "unknown drift kind 'teleport'; allowed"),
    (changed("drift.0.feature", "colour"), "drift[0]", "unknown feature 'colour'; allowed"),
    (changed("drift.0.shape", "wobbly"), "drift[0]", "shape must be one of"),
    (changed("questions.answer.root_cause", "aliens"), "questions",
     "'aliens' is not one of the root_causes options"),
    (changed("questions.answer.actions", ["panic"]), "questions.answer.actions[0]",
     "'panic' is not allowed"),
    (changed("id", "Bad Id"), "id", "should match pattern"),
])
def test_malformed_scenarios_name_the_file_the_field_and_what_is_allowed(
        tmp_path, data, field, message):
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: {field}: "), text
    assert message in text, text


def test_not_yaml_and_not_a_mapping(tmp_path):
    with pytest.raises(ScenarioError, match=r"line 2, column 1: not valid YAML"):
        load_scenario(write(tmp_path, None, raw="id: [unclosed\n"))
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        load_scenario(write(tmp_path, None, raw="- a list\n"))


def test_id_must_match_file_name(tmp_path):
    with pytest.raises(ScenarioError, match="must match the file name 'other'"):
        load_scenario(write(tmp_path, GOOD, name="other.yaml"))


def test_unknown_id_lists_what_exists():
    with pytest.raises(ScenarioError,
                       match=r"no such scenario; available: \[.*'sla-dashboard-wiggles'"):
        load_scenario("no-such-thing")


def test_cli_prints_one_line_and_exits_2_without_traceback(tmp_path):
    path = write(tmp_path, changed("drift.0.kind", "teleport"))
    done = subprocess.run([sys.executable, "-m", "lab.cli", "train", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "drift[0]: unknown drift kind 'teleport'" in " ".join(done.stderr.split())


def test_label_delay_forms():
    assert load_scenario("sla-escalation-queue-flooded").label_delay.total_seconds() == 2 * 86400
    data = changed("label_delay", 90)
    from lab.scenario import validate_scenario

    assert validate_scenario(data).label_delay.total_seconds() == 90 * 60


def test_cli_prints_every_problem_verbatim(tmp_path):
    """Patterns and quotes survive the terminal (no markup read into them), and a file with
    several problems names them all at once, even when the world itself is broken."""
    from typer.testing import CliRunner

    from lab.cli import app

    data = changed("id", "Bad Id")
    data["world"]["params"] = {"base_rate": 2}
    data["drift"][0]["shape"] = "ramp"
    data["drift"].append({"kind": "missing_values", "feature": "colour"})
    path = write(tmp_path, data)
    result = CliRunner().invoke(app, ["train", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"
    assert lines[1] == f"{path}: world.params: base_rate must be between 0 and 1 (exclusive)"
    assert lines[2] == (f"{path}: drift[0]: shape must be one of ['sudden', 'gradual', "
                        "'recurring'], got 'ramp'")
    assert lines[3].startswith(f"{path}: drift[1]: unknown feature 'colour'; allowed: "
                               "['priority', ")
    assert lines[4:] == [f"{path}: id: 'Bad Id' must match the file name "
                         "'sla-escalation-queue-flooded'"]


def test_markup_lookalikes_in_user_text_are_printed_as_typed(tmp_path):
    from typer.testing import CliRunner

    from lab.cli import app

    path = write(tmp_path, changed("difficulty", "[bold]brutal[/bold]"))
    result = CliRunner().invoke(app, ["train", str(path)])
    assert result.exit_code == 2
    assert "'[bold]brutal[/bold]' is not allowed" in result.stderr

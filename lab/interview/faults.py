"""Live fault controls: the interviewer's change to the scenario's drift plan.

A session keeps a *fault override*, a modified copy of the scenario's ``drift`` list; the
candidate's production runs are built from a copy of the scenario carrying it
(:func:`scenario_with_drift`, validated like any scenario file). A closed-loop run under way
asks for the plan between its chunks of rows (``lab.traffic``'s ``switch``) and switches
from there; an open-loop run (serving scenarios) keeps the plan it started with. Each run's
truth record (the run book) is the plan it was really sent with, row by row.
"""

from __future__ import annotations

import copy
from typing import Any

from lab.drift import DRIFTS
from lab.scenario import Scenario, ScenarioError, validate_scenario

# The parameter that says how strong each kind of fault is. A severity multiplies it (a
# rate or share is kept within 1); kinds absent here have no single strength (a rename,
# a schema change) and only their onset and shape change.
STRENGTH = {"unit_change": "factor", "missing_values": "rate", "stuck_feature": "rate",
            "covariate_shift": "shift", "prior_shift": "base_rate", "concept_drift": "weights",
            "training_serving_skew": "noise", "unseen_category": "share",
            "label_outage": "rate", "benign_shift": "tilt", "label_leakage": "strength"}
AT_MOST_ONE = {"rate", "share"}


def strength_of(step: dict[str, Any]) -> str | None:
    """The name of the parameter a severity scales, for this drift step (None: none)."""
    return STRENGTH.get(step.get("kind", ""))


def change_fault(drift: list[dict[str, Any]], index: int, *, severity: float | None = None,
                 onset: float | None = None, shape: str | None = None) -> list[dict[str, Any]]:
    """A copy of ``drift`` with step ``index`` made ``severity`` times as strong, or moved to
    ``onset`` (a fraction of the stream), or given another ``shape``."""
    if not 0 <= index < len(drift):
        raise ValueError(f"fault: no fault number {index} (the plan has {len(drift)})")
    out = copy.deepcopy(drift)
    step = out[index]
    if severity is not None:
        if severity <= 0:
            raise ValueError(f"severity: {severity:g} must be > 0 (1 keeps the fault as it is)")
        name = strength_of(step)
        if name is None:
            raise ValueError(f"severity: a {step['kind']} fault has no single strength to "
                             "scale; change its onset or add another fault")
        value = step.get(name, _default(step["kind"], name))
        step[name] = _scaled(value, severity, name)
    if onset is not None:
        if not 0 <= onset < 1:
            raise ValueError(f"onset: {onset:g} must be a fraction of the stream in [0, 1)")
        step["onset"] = round(float(onset), 4)
    if shape is not None:
        step["shape"] = shape
    return out


def add_fault(drift: list[dict[str, Any]], step: dict[str, Any]) -> list[dict[str, Any]]:
    """A copy of ``drift`` with a second (third...) fault ``step`` appended."""
    if not isinstance(step, dict) or "kind" not in step:
        raise ValueError(f"fault: a mapping with a 'kind'; allowed kinds: {sorted(DRIFTS)}")
    if step["kind"] not in DRIFTS:
        raise ValueError(f"fault.kind: {step['kind']!r} is not one of {sorted(DRIFTS)}")
    return copy.deepcopy(drift) + [dict(step)]


def scenario_with_drift(scenario: Scenario, drift: list[dict[str, Any]] | None) -> Scenario:
    """A copy of ``scenario`` whose drift plan is ``drift`` (None: the scenario itself),
    checked as a scenario file is: a bad override is a ScenarioError naming the field."""
    if drift is None:
        return scenario
    raw = scenario.model_dump(mode="python")
    raw["drift"] = drift
    return validate_scenario(raw, source=f"{scenario.source} (interviewer's fault override)")


def check_drift(scenario: Scenario, drift: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``drift`` if a scenario can carry it, else a ValueError listing every problem."""
    try:
        scenario_with_drift(scenario, drift)
    except ScenarioError as exc:
        raise ValueError("; ".join(f"{f}: {m}" if f else m for f, m in exc.problems)) from None
    return drift


def describe(drift: list[dict[str, Any]]) -> str:
    """The plan in one line, for the timeline: kind, feature, strength, onset."""
    parts = []
    for step in drift:
        name = strength_of(step)
        bits = [step["kind"]]
        if step.get("feature"):
            bits.append(str(step["feature"]))
        if name and name in step:
            bits.append(f"{name}={_short(step[name])}")
        bits.append(f"onset={step.get('onset', 0.5):g}")
        if step.get("shape"):
            bits.append(str(step["shape"]))
        parts.append(" ".join(bits))
    return "; ".join(parts) or "no fault"


def _scaled(value: Any, factor: float, name: str) -> Any:
    if isinstance(value, dict):
        return {k: _scaled(v, factor, name) for k, v in value.items()}
    scaled = float(value) * factor
    if name in AT_MOST_ONE:
        scaled = min(scaled, 1.0)
    return round(scaled, 6)


def _default(kind: str, name: str) -> Any:
    import inspect

    parameter = inspect.signature(DRIFTS[kind].__init__).parameters.get(name)
    if parameter is None or parameter.default is inspect.Parameter.empty:
        raise ValueError(f"severity: the {kind} fault sets no {name} to scale")
    return parameter.default


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, (int, float)) else f"{k}: {v}"
                               for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)

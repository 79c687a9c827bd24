"""Driftlab: an offline lab for the machine-learning engineer interview loop.

The public surface is small and imported lazily, so ``import lab`` is cheap and has no
side effects; heavy parts (MLflow, Evidently, FastAPI) load only when used. Stage
functions named like their module (``lab.train.train``) are imported from the module.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Settings": "lab.config",
    "get_settings": "lab.config",
    "Scenario": "lab.scenario",
    "ScenarioError": "lab.scenario",
    "load_scenario": "lab.scenario",
    "list_scenarios": "lab.scenario",
    "WORLDS": "lab.worlds",
    "make_world": "lab.worlds",
    "DRIFTS": "lab.drift",
    "Truth": "lab.drift",
    "make_injector": "lab.drift",
    "apply_plan": "lab.drift",
    "reference_frame": "lab.data",
    "production_frame": "lab.data",
    "choose_threshold": "lab.evaluation",
    "evaluate_remedies": "lab.remediation",
    "TrainResult": "lab.train",
    "load_champion": "lab.tracking",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Service faults: what goes wrong at the server rather than in the data.

One module per fault; :data:`SERVICE_FAULTS` maps a scenario's ``service`` entries (``kind``
and parameters) to them. The upstream schema change, shared with the data catalogue, is
:class:`lab.drift.schema_change.SchemaChange`.
"""

from __future__ import annotations

from typing import Any

from lab.registry import build
from lab.service.base import CATEGORY, ServiceFault
from lab.service.heavier_model import HeavierModel
from lab.service.slow_dependency import SlowDependency
from lab.service.surge import TrafficSurge

SERVICE_FAULTS: dict[str, type[ServiceFault]] = {
    cls.kind: cls for cls in (SlowDependency, TrafficSurge, HeavierModel)}

__all__ = ["CATEGORY", "SERVICE_FAULTS", "HeavierModel", "ServiceFault", "SlowDependency",
           "TrafficSurge", "make_fault"]


def make_fault(kind: str, **params: Any) -> ServiceFault:
    """Build a registered service fault; unknown kinds and parameters raise ``ValueError``."""
    return build(SERVICE_FAULTS, "service fault", kind, params)

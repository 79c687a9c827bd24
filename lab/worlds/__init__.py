"""The registry of worlds: one generator per product domain, looked up by ``kind``."""

from __future__ import annotations

from typing import Any

from lab.worlds.base import EPOCH, Feature, Schema, World
from lab.worlds.support_tickets import SupportTickets

WORLDS: dict[str, type[World]] = {cls.kind: cls for cls in (SupportTickets,)}

__all__ = ["EPOCH", "WORLDS", "Feature", "Schema", "SupportTickets", "World", "make_world"]


def make_world(kind: str, **params: Any) -> World:
    """Build a registered world; unknown kinds and parameters raise ``ValueError``."""
    try:
        cls = WORLDS[kind]
    except KeyError:
        raise ValueError(f"unknown world kind {kind!r}; allowed: {sorted(WORLDS)}") from None
    unknown = set(params) - set(cls.param_names())
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for world {kind!r}; "
                         f"allowed: {cls.param_names()}")
    return cls(**params)

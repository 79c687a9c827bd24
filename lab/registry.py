"""Building a registered component (a world, a drift kind) from its kind and parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def lookup(registry: Mapping[str, Any], what: str, kind: str) -> Any:
    """The registered entry for ``kind``; an unknown kind names what is allowed."""
    try:
        return registry[kind]
    except KeyError:
        raise ValueError(f"unknown {what} kind {kind!r}; allowed: {sorted(registry)}") from None


def build(registry: Mapping[str, type], what: str, kind: str, params: dict[str, Any]) -> Any:
    """Construct ``registry[kind](**params)``; every mistake is a named ``ValueError``."""
    cls = lookup(registry, what, kind)
    allowed = cls.param_names()
    unknown = set(params) - set(allowed)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for {what} {kind!r}; "
                         f"allowed: {allowed}")
    try:
        return cls(**params)
    except TypeError as exc:  # a required parameter is missing
        raise ValueError(f"{what} {kind!r}: {exc}; parameters: {allowed}") from None

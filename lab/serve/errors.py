"""Validation errors as the API reports them: one ``{field, reason}`` per problem."""

from __future__ import annotations

from typing import Any


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [p for p in err.get("loc", ()) if p != "body"]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        reason = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            reason = "unknown field"
        elif err.get("type") == "missing":
            reason = "field required"
        out.append({"field": field or "body", "reason": reason})
    return out

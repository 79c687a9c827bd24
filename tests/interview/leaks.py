"""What a candidate may not see: the check every security test shares."""

from __future__ import annotations

import re

from google.protobuf.json_format import MessageToDict


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def fragments(hidden: list[str]) -> list[str]:
    """Each hidden string's sentences (at least 25 characters) normalised: a page showing any
    of them leaks, even when it reflows or cuts the rest."""
    out: list[str] = []
    for text in hidden:
        parts = [normalised(s) for s in re.split(r"(?<=[.?!:])\s+", text.strip())]
        out += [p for p in parts if len(p) >= 25] or [normalised(text)]
    return [f for f in out if f]


def leaked(text: str, hidden: list[str]) -> list[str]:
    page = normalised(text)
    return [f for f in fragments(hidden) if f in page]


def app_text(at) -> str:
    """Every string an AppTest run sent to the browser: each element's protobuf, as data
    (labels, bodies, options, help, chart specs), sidebar included."""
    out: list[str] = []

    def strings(value) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            strings(MessageToDict(proto))
        children = getattr(node, "children", None) or {}
        for child in children.values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)

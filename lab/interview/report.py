"""The session report: Markdown and HTML, from one dictionary built by :func:`contents`.

Scenario, the timeline of events, the candidate's answers (their newest attempt in the
session), the automatic and the interviewer's scores, the follow-ups and the notes.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import markdown_it

from lab.interview.followups import by_id
from lab.interview.sheet import SIGNALS, final_total
from lab.interview.store import Session
from lab.interview.timeline import (
    STAGE_LABELS,
    Event,
    followups_marked,
    hints_given,
    notes,
    time_per_stage,
)


def contents(session: Session, scenario, events: list[Event], attempt: dict | None,
             now: datetime) -> dict[str, Any]:
    """What the report says, as data (the tests read this too)."""
    automatic = attempt["total"] if attempt else None
    return {
        "code": session.code, "scenario": scenario.id, "title": scenario.title,
        "workspace": session.workspace, "opened": session.created_at,
        "timeline": [(e.at, e.describe()) for e in events],
        "stages": time_per_stage(events, now),
        "hints": hints_given(events),
        "answers": attempt["answers"] if attempt else None,
        "automatic": automatic,
        "parts": attempt["grade"]["parts"] if attempt else [],
        # Remedies applied after the diagnosis (lab.remediation.record), first = graded.
        "remedies": (attempt or {}).get("remedies") or [],
        "sheet": session.sheet,
        "interview_score": session.sheet.interview_score(),
        "final": final_total(automatic, session.sheet),
        "followups": [{**m, "question": by_id(m["id"]).question}
                      for m in followups_marked(events).values()],
        "notes": notes(events),
        "fault_override": session.drift,
    }


def to_markdown(c: dict[str, Any]) -> str:
    sheet = c["sheet"]
    lines = [f"# Interview report: {c['title']}", "",
             f"- Session `{c['code']}`, scenario `{c['scenario']}`, candidate workspace "
             f"`{c['workspace']}`, opened {c['opened']:%Y-%m-%d %H:%M} UTC",
             f"- Hints given: {c['hints']}", ""]
    lines += ["## Scores", "",
              f"- Automatic grade: {_score(c['automatic'])}",
              f"- Interviewer's sheet: {_score(c['interview_score'])}"]
    if sheet.override_total is not None:
        lines.append(f"- Override of the automatic total: {sheet.override_total:g} "
                     f"(reason: {sheet.override_reason})")
    lines += [f"- **Final total: {_score(c['final'])}**", "", "| signal | level | notes |",
              "|---|---|---|"]
    for signal in SIGNALS:
        lines.append(f"| {signal} | {sheet.levels.get(signal, '–')} | "
                     f"{_cell(sheet.notes.get(signal, ''))} |")
    if c["parts"]:
        lines += ["", "| part | points | why |", "|---|---|---|"]
        lines += [f"| {p['name']} | {p['points']:g} / {p['maximum']} | {_cell(p['why'])} |"
                  for p in c["parts"]]
    if c.get("remedies"):
        lines += ["", "## Remedy after the diagnosis", "",
                  "| remedy | graded | cost a day before | after | best | outcome |",
                  "|---|---|---|---|---|---|"]
        for r in c["remedies"]:
            rollout = f" ({r['rollout']})" if r.get("rollout") else ""
            part = r["outcome"]
            lines.append(f"| {r['remedy']}{rollout} | {'yes' if r['graded'] else 'no'} | "
                         f"{r['before']['cost_per_day']:,.0f} | "
                         f"{r['after']['cost_per_day']:,.0f} | {r['best']['remedy']} "
                         f"{r['best']['cost_per_day']:,.0f} | "
                         f"{part['points']:g} / {part['maximum']} |")
        lines += [f"- {_cell(note)}" for r in c["remedies"] if r["graded"]
                  for note in [r["outcome"]["why"], *r["notes"]]]
    lines += ["", "## Timeline", "", "| time (UTC) | event |", "|---|---|"]
    lines += [f"| {at:%H:%M:%S} | {_cell(text)} |" for at, text in c["timeline"]]
    if c["stages"]:
        lines += ["", "Time per stage: " + ", ".join(
            f"{STAGE_LABELS.get(s, s)} {secs / 60:.1f} min" for s, secs in c["stages"].items())]
    lines += ["", "## Follow-up questions", ""]
    lines += [f"- {f['question']} **{f['mark']}**" for f in c["followups"]] or ["- none asked"]
    lines += ["", "## The candidate's answers", ""]
    if c["answers"]:
        a = c["answers"]
        for name in ("features", "kind", "root_cause", "action", "threshold"):
            lines.append(f"- {name}: {a.get(name)}")
        for name in ("justification", "threshold_why"):
            if a.get(name):
                lines += [f"- {name}:", "", "  > " + a[name].replace("\n", "\n  > ")]
        if a.get("claims"):
            lines.append(f"- claims: {len(a['claims'])}")
    else:
        lines.append("No attempt submitted during the session.")
    if c["fault_override"] is not None:
        from lab.interview.faults import describe

        lines += ["", f"Fault override in effect: {describe(c['fault_override'])}"]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in c["notes"]] or ["- none"]
    return "\n".join(lines) + "\n"


def to_html(c: dict[str, Any]) -> str:
    """The Markdown rendered (tables on, raw HTML off: every string is escaped)."""
    body = markdown_it.MarkdownIt("commonmark", {"html": False}).enable("table").render(
        to_markdown(c))
    title = html.escape(f"Interview report: {c['title']}")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:60rem;"
            "margin:2rem auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            f"padding:.3rem .5rem}}</style></head><body>{body}</body></html>")


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:g} / 100"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")

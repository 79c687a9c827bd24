"""``driftlab monitor --reference REF --current CUR``: the command's own-data branch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table


def monitor_files(scenario: str | None, reference: Path | None, current: Path | None,
                  target: str | None, prediction: str | None, timestamp: str | None,
                  window: str, evidently: int | None, html: Path | None, png: Path | None,
                  seed: int, as_json: bool) -> None:
    from lab.cli import UserError, err, print_json
    from lab.owndata import OwnDataError, own_data_report, prepare
    from lab.owndata.summary import summarize_own
    from lab.owndata.timeline import timeline_html

    if scenario is not None:
        raise UserError(f"give a scenario ({scenario!r}) or --reference/--current, not both")
    if reference is None or current is None:
        missing = "--current" if current is None else "--reference"
        raise UserError(f"{missing} is missing: own data needs both --reference and --current")
    if png is not None:
        raise UserError("--png: not available for own data; use --html for the timeline")
    try:
        prepared = prepare(reference, current, target, prediction, timestamp, seed=seed)
        result = summarize_own(prepared, window)
        data = result.to_dict()
        if html:
            err.print(f"timeline: {timeline_html(data, html)}")
        if evidently is not None:
            err.print(f"Evidently report: {own_data_report(prepared, evidently, window)}")
    except (OwnDataError, ValueError) as exc:
        raise UserError(str(exc)) from None
    if as_json:
        print_json(data)
        return
    print_summary(data)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _pair(metrics: dict[str, Any] | None) -> str:
    metrics = metrics or {}
    return f"{_num(metrics.get('precision'))}/{_num(metrics.get('recall'))}"


def print_summary(m: dict[str, Any]) -> None:
    from lab.cli import out

    colour = {"ok": "green", "warn": "yellow", "alarm": "red"}
    table = Table("#", "start", "rows", "labelled", "alert", "drift", "est. P/R", "real P/R",
                  "first reason", title=f"{m['model']['name']} ({m['window']} windows)")
    for w in m["windows"]:
        table.add_row(str(w["index"]), w["start"][:16], f"{w['rows']:,}", f"{w['labelled']:,}",
                      f"[{colour[w['alert']]}]{w['alert']}[/]", f"{w['drift_share']:.0%}",
                      _pair(w["estimated"]), _pair(w["realised"]), (w["reasons"] or [""])[0])
    out.print(table)
    top = ", ".join(f"{s['feature']} ({s['score']:.3f})" for s in m["suspects"][:3])
    out.print(f"[bold]suspects:[/] {top}", highlight=False)
    for note in m["notes"]:
        out.print(f"[dim]{note}[/]", highlight=False)

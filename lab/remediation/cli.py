"""``driftlab remedy SCENARIO REMEDY``: the command's body (lab/cli.py registers it)."""

from __future__ import annotations

from typing import Any

from rich.table import Column, Table


def remedy_command(scenario: str, remedy: str, fixed_at: float, threshold: float | None,
                   data: str, since: str | None, until: str | None, shadow: bool,
                   rows: int | None, as_json: bool, canary: float | None = None) -> None:
    """Raises :class:`RemedyError` for a remedy that cannot be applied as asked."""
    from lab.cli import err, out, print_json
    from lab.remediation import RemedyError
    from lab.remediation.live import apply_remedy
    from lab.scenario import load_scenario

    if shadow and canary is not None:
        raise RemedyError("canary: give --shadow or --canary SHARE, not both")
    rollout = "canary" if canary is not None else "shadow" if shadow else "promote"
    spec = load_scenario(scenario)
    result = apply_remedy(spec, remedy, rows=rows, fixed_at=fixed_at, threshold=threshold,
                          data=data, since=since, until=until, rollout=rollout,
                          share=canary if canary is not None else 0.3,
                          on_step=None if as_json else lambda s: err.print(f"- {s}",
                                                                           markup=False))
    result.keep()  # with your newest attempt at the scenario, if any
    summary = result.to_dict()
    if as_json:
        print_json(summary)
        return
    print_remedy(summary, result, out)


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def print_remedy(summary: dict[str, Any], result, out) -> None:
    champion = summary["champion"]
    out.print(f"[bold]{summary['model']}[/]: {summary['remedy']}; @champion "
              f"v{champion['before']} -> v{champion['after']}; next week's run "
              f"{summary['run']}", highlight=False)
    for note in summary["notes"]:
        out.print(f"  {note}", highlight=False, markup=False)
    shadow = summary["shadow"]
    days = Table("day before", "cost", "day after", "cost", *(["shadow"] if shadow else []),
                 title="cost per day")
    for row in result.per_day().itertuples():
        days.add_row(str(row.day_before or ""), _money(row.cost_before),
                     str(row.day_after or ""), _money(row.cost_after),
                     *([_money(row.cost_shadow)] if shadow else []))
    before, after = summary["before"], summary["after"]
    days.add_row("mean", _money(before["cost_per_day"]), "mean", _money(after["cost_per_day"]),
                 *([_money(shadow["cost_per_day"])] if shadow else []))
    out.print(days)
    table = Table("remedy", "key", "prec.", "recall", "alerts/d", "cost/d", "regret/d",
                  title="every remedy on the same next week")
    evaluation = result.evaluation
    for row in evaluation.table().itertuples():
        table.add_row(row.remedy, "yes" if row.accepted else "", _share(row.precision),
                      _share(row.recall), f"{row.alerts_per_day:,.0f}",
                      _money(row.cost_per_day), _money(row.regret_per_day))
    table.add_row("yours, served", "", _share(after["precision"]),
                  _share(after["recall"]), f"{after['alerts_per_day']:,.0f}",
                  _money(after["cost_per_day"]), _money(summary["regret_per_day"]))
    out.print(table)
    for row in evaluation.table().itertuples():
        out.print(f"  {row.remedy}: {row.why}", highlight=False, markup=False)
    for note in evaluation.notes:
        out.print(f"  not evaluated: {note}", highlight=False, markup=False)
    comparison = summary["comparison"]
    if comparison:
        print_comparison(comparison, out)
    grade = summary["grade"]
    out.print(f"grade, {grade['part']}: {grade['points']:g} / {grade['maximum']}  "
              f"{grade['why']}", highlight=False, markup=False)
    kept = summary["attempt"]
    if kept is None:
        out.print("not kept: no attempt at this scenario yet (driftlab grade keeps one)",
                  highlight=False)
    else:
        status = ("its outcome" if kept["graded"] else
                  "after its graded outcome (the first remedy applied), ungraded")
        out.print(f"kept with attempt #{kept['id']}: {status}", highlight=False)
        for note in kept["notes"]:
            out.print(f"  {note}", highlight=False, markup=False)


def print_comparison(comparison: dict[str, Any], out) -> None:
    """Champion against challenger per day of the week the server served with a rollout."""
    v = comparison["versions"]
    table = Table(*(f"v{v[role]} {what}" for role in ("champion", "challenger")
                    for what in ("prec.", "recall", "cost/d")),
                  title=f"{comparison['mode']}: champion against challenger, per day "
                        f"(champion v{v['champion']}, challenger v{v['challenger']}; "
                        "realised; a canary's cost scaled to the whole traffic)")
    table.columns.insert(0, Column("day", no_wrap=True, min_width=10))
    days: dict[str, dict[str, dict]] = {}
    for row in comparison["per_window"]:
        days.setdefault(row["day"], {})[row["role"]] = row
    for day, roles in days.items():
        cells = []
        for role in ("champion", "challenger"):
            r = roles.get(role, {})
            cells += [_share(r.get("precision")), _share(r.get("recall")),
                      _money(r.get("cost"))]
        table.add_row(day, *cells)
    table.add_row("week", *(cell for role in ("champion", "challenger")
                            for cell in (_share(comparison["precision"][role]),
                                         _share(comparison["recall"][role]),
                                         _money(comparison["cost_per_day"][role]))))
    out.print(table)
    out.print(comparison["verdict"], highlight=False, markup=False)

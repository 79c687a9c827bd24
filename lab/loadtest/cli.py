"""``driftlab loadtest SCENARIO``: the command's body (lab/cli.py registers it)."""

from __future__ import annotations

from rich import box
from rich.table import Table


def loadtest_command(scenario: str, models: list[str] | None, workers: int,
                     rate: float | None, requests: int, rows: int | None, seed: int,
                     as_json: bool) -> None:
    """Raises :class:`lab.loadtest.LoadTestError` for a load test that cannot run as asked."""
    from lab.cli import err, out, print_json
    from lab.config import get_settings
    from lab.loadtest import budget_of, load_test_table, run_load_tests
    from lab.scenario import load_scenario
    from lab.workspace.loadtests import saved_load_tests

    spec = load_scenario(scenario)
    workspace = get_settings().workspace

    def say(step) -> None:
        if not as_json:
            err.print(f"[{step.done}/{step.total}] {step.text}", markup=False,
                      highlight=False)

    new = run_load_tests(spec, split_models(models), workers, rate, requests, seed, rows,
                         workspace, say)
    budget = budget_of(spec)
    kept = saved_load_tests(workspace, spec.id)
    table = load_test_table(kept, budget.p99_ms, budget.rate)
    if as_json:
        print_json({"scenario": spec.id, "workspace": workspace,
                    "budget": {"p99_ms": budget.p99_ms, "rate": budget.rate},
                    "new": [t.to_dict() for t in new],
                    "table": table.to_dict("records")})
        return
    print_table(table, f"{spec.id}: cost a day against p99 (budget {budget.p99_ms:g} ms at "
                       f"{budget.rate:g}/s; newest test of each model x workers, "
                       f"{len(kept)} kept)", out)


def split_models(models: list[str] | None) -> list[str] | None:
    """``--models a --models b`` or ``--models a,b``: the kinds, in the order given."""
    if models is None:
        return None
    return [m.strip() for given in models for m in given.split(",") if m.strip()]


def _ms(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


# The terminal's table: short headers; errors show in the budget column ("3 errors"); when
# and how many are in --json.
SHOWN = {"model": ("model", str), "workers": ("workers", str),
         "rate /s": ("rate/s", "{:g}".format), "carried /s": ("carried/s", "{:.1f}".format),
         "p99 ms": ("p99 ms", _ms), "server p99 ms": ("server p99", _ms),
         "cost /day": ("cost/day", "{:,.0f}".format), "budget": ("budget", str)}


def print_table(table, title: str, out) -> None:
    shown = Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for column, (header, _) in SHOWN.items():
        # The model's name whole; the rest folds (never cut) in a narrow terminal or a pipe.
        shown.add_column(header, no_wrap=column == "model", overflow="fold",
                         justify="left" if column in ("model", "budget") else "right")
    for row in table.to_dict("records"):
        shown.add_row(*("-" if row[c] is None or row[c] != row[c] else fmt(row[c])
                        for c, (_, fmt) in SHOWN.items()))
    out.print(shown)

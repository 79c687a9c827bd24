"""The ``driftlab`` command: thin wrappers over the library, with readable output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Driftlab: train, serve, drift, monitor, diagnose, grade.")
out = Console()
err = Console(stderr=True)

ScenarioArg = Annotated[str, typer.Argument(help="A scenario id from scenarios/ or a path to a "
                                                 "YAML file.")]
SeedOpt = Annotated[int, typer.Option(help="Seed of every random component.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def friendly_errors(fn: Callable) -> Callable:
    """Known user errors print one clear message and exit 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from lab.scenario import ScenarioError

        try:
            return fn(*args, **kwargs)
        except (ScenarioError, UserError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper


class UserError(Exception):
    """Something the user can fix: printed as it is, exit code 2."""


@contextmanager
def steps_progress(steps: tuple[str, ...], quiet: bool = False):
    """A progress bar over named steps; yields the callback that advances it."""
    if quiet:
        yield lambda _step: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=len(steps))
        seen: list[str] = []

        def advance(step: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(step)
            progress.update(task, description=step)

        yield advance
        progress.update(task, completed=len(steps))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.command()
@friendly_errors
def scenarios(as_json: JsonOpt = False) -> None:
    """List every scenario in scenarios/."""
    from lab.scenario import list_scenarios

    rows = [{"id": s.id, "title": s.title, "topics": s.topics, "difficulty": s.difficulty,
             "minutes": s.minutes} for s in list_scenarios()]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "title", "topics", "difficulty", "minutes", title="Scenarios")
    for r in rows:
        table.add_row(r["id"], r["title"], ", ".join(r["topics"]), r["difficulty"],
                      str(r["minutes"]))
    out.print(table)


@app.command("train")
@friendly_errors
def train_cmd(scenario: ScenarioArg, seed: SeedOpt = 0,
              rows: Annotated[int | None, typer.Option(min=500, help="Reference rows "
                                                       "(default: the scenario's).")] = None,
              as_json: JsonOpt = False) -> None:
    """Train a scenario's model, log it to MLflow and make it the @champion."""
    from lab import tracking
    from lab.scenario import load_scenario
    from lab.train import STEPS, train

    spec = load_scenario(scenario)
    with steps_progress(STEPS, quiet=as_json) as progress:
        result = train(spec, seed=seed, rows=rows, progress=progress)
    if as_json:
        print_json(result.summary())
        return
    print_train_summary(result)
    out.print(f"Runs: [bold]{tracking.ui_command()}[/]", highlight=False, soft_wrap=True)


def print_train_summary(result) -> None:
    m = result.test_metrics
    p = result.operating_point
    out.print(f"[bold]{result.model_name} v{result.version} @champion[/] "
              f"({result.rows:,} rows, seed {result.seed})", highlight=False)
    table = Table(show_header=True)
    table.add_column("metric")
    table.add_column("test", justify="right")
    for name in ("precision", "recall", "f1", "roc_auc", "pr_auc", "brier"):
        table.add_row(name, f"{m[name]:.3f}")
    table.add_row("confusion (tp fp fn tn)", f"{m['tp']} {m['fp']} {m['fn']} {m['tn']}")
    table.add_row("threshold (min. expected cost)", f"{p.threshold:.3f}")
    table.add_row("alerts per day", f"{m['alerts_per_day']:.0f}")
    table.add_row("expected cost per day", f"{m['cost_per_day']:,.0f}")
    out.print(table)
    secs = " ".join(f"{k} {v:.2f}s" for k, v in result.seconds.items())
    out.print(f"[dim]{secs}[/]")


def main() -> None:  # pragma: no cover - the console script is `app`
    app()


if __name__ == "__main__":  # pragma: no cover
    app()

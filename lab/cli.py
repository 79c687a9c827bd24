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
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
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


@app.command()
@friendly_errors
def serve(host: Annotated[str | None, typer.Option(help="Interface (default LAB_HOST).")] = None,
          port: Annotated[int | None, typer.Option(help="Port (default LAB_PORT).")] = None,
          workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1
          ) -> None:
    """Serve every registered scenario model's @champion with FastAPI (docs at /docs)."""
    import os

    import uvicorn

    from lab import tracking
    from lab.config import get_settings
    from lab.serve.process import server_env

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    models = tracking.served_models(settings)
    if not models:
        err.print("[yellow]no model has a @champion yet: train one with "
                  "`driftlab train SCENARIO`, then POST /models/{name}/reload[/]")
    os.environ.update(server_env(settings, workers))
    out.print(f"serving {models} on [bold]http://{host}:{port}[/] (docs: "
              f"http://{host}:{port}/docs)", highlight=False)
    uvicorn.run("lab.serve.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False)


@app.command()
@friendly_errors
def traffic(scenario: ScenarioArg,
            url: Annotated[str, typer.Option(help="The server's base URL.")] =
            "http://127.0.0.1:8000",
            rows: Annotated[int | None, typer.Option(min=1, help="Production rows.")] = None,
            seed: SeedOpt = 0,
            concurrency: Annotated[int, typer.Option(min=1, max=256)] = 8,
            batch: Annotated[int, typer.Option(min=1, max=1000, help="Records a request.")] = 1,
            all_labels: Annotated[bool, typer.Option(help="Also send the labels still "
                                                     "inside the label delay.")] = False,
            reveal: Annotated[bool, typer.Option(help="Print the truth record.")] = False,
            as_json: JsonOpt = False) -> None:
    """Stream a scenario's production data (its fault injected) to a running server."""
    import httpx

    from lab.scenario import load_scenario
    from lab.traffic import send_traffic

    spec = load_scenario(scenario)
    try:
        httpx.get(f"{url}/health", timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        raise UserError(f"no Driftlab server answers at {url} ({exc}); start one with "
                        "`driftlab serve`") from None
    with rows_progress(quiet=as_json) as progress:
        report = send_traffic(spec, url, rows=rows, seed=seed, concurrency=concurrency,
                              batch_size=batch, all_labels=all_labels, progress=progress)
    summary = report.summary(reveal=reveal)
    print_json(summary) if as_json else print_traffic(summary)


@app.command()
@friendly_errors
def run(scenario: ScenarioArg, seed: SeedOpt = 0,
        rows: Annotated[int | None, typer.Option(min=500, help="Production rows.")] = None,
        reveal: Annotated[bool, typer.Option(help="Print the truth record too.")] = False,
        window: Annotated[str, typer.Option(help="Monitoring window: rows (2000) or a "
                                            "duration (12h, 1d, 1w).")] = "1d",
        as_json: JsonOpt = False) -> None:
    """The whole loop headless: train if needed, serve, send traffic, stop, monitor."""
    from lab.loop import run_loop
    from lab.scenario import load_scenario

    spec = load_scenario(scenario)
    with rows_progress(quiet=as_json) as progress:
        result = run_loop(spec, seed=seed, rows=rows, on_traffic=progress, window=window,
                          on_step=None if as_json else lambda s: err.print(f"- {s}"))
    summary = result.summary(reveal=reveal)
    if as_json:
        print_json(summary)
        return
    out.print(f"[bold]{spec.id}[/]: model v{result.version}"
              + (" (trained now)" if result.trained else ""), highlight=False)
    print_traffic(summary["traffic"])
    print_monitoring(summary["monitoring"])
    if reveal:
        print_truth(summary["truth"])


@contextmanager
def rows_progress(quiet: bool = False):
    """A progress bar over rows sent; yields the (done, total) callback."""
    if quiet:
        yield None
        return
    columns = (TextColumn("traffic"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("traffic", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def print_traffic(s: dict[str, Any]) -> None:
    table = Table("requests", "predictions", "errors", "req/s", "p50 ms", "p99 ms", "labels sent",
                  title=f"traffic to {s['url']}")
    errors = ", ".join(f"{k}: {v}" for k, v in s["errors_by_status"].items()) or "none"
    table.add_row(f"{s['requests']:,}", f"{s['predictions']:,}", errors,
                  f"{s['requests_per_second']:.0f}", str(s["latency_ms"]["p50"]),
                  str(s["latency_ms"]["p99"]), f"{s['labels_sent']:,}")
    out.print(table)


@app.command()
@friendly_errors
def monitor(scenario: ScenarioArg,
            window: Annotated[str, typer.Option(help="Rows (2000) or a duration (12h, 1d, "
                                                "1w).")] = "1d",
            html: Annotated[Path | None, typer.Option(help="Write the timeline as "
                                                      "interactive HTML.")] = None,
            png: Annotated[Path | None, typer.Option(help="Write the timeline as PNG.")] = None,
            evidently: Annotated[int | None, typer.Option(help="Write the full Evidently "
                                                          "report of this window (index).")]
            = None,
            reveal: Annotated[bool, typer.Option(help="Add the truth (assumes the traffic "
                                                 "was sent with --seed).")] = False,
            seed: SeedOpt = 0, as_json: JsonOpt = False) -> None:
    """Compare each window of the prediction log with the reference; alerts and suspects."""
    from lab import monitor as mon
    from lab.monitor.plots import timeline_html, timeline_png
    from lab.scenario import load_scenario
    from lab.tracking import NoChampion

    spec = load_scenario(scenario)
    try:
        mon.parse_window(window)
        result = mon.monitor_model(spec.model_name, window)
    except (ValueError, NoChampion) as exc:
        raise UserError(str(exc)) from None
    if not result.windows:
        raise UserError(f"no predictions of {spec.model_name!r} are logged yet: send traffic "
                        "first (`driftlab traffic` or `driftlab run`)")
    data = result.to_dict()
    if reveal:
        data["truth"] = mon.truth_for(spec, sum(w["rows"] for w in result.windows), seed)
    if html:
        err.print(f"timeline: {timeline_html(data, html)}")
    if png:
        err.print(f"timeline: {timeline_png(data, png)}")
    if evidently is not None:
        try:
            path = mon.evidently_window_report(spec.model_name, evidently, window)
        except IndexError as exc:
            raise UserError(str(exc)) from None
        err.print(f"Evidently report: {path}")
    if as_json:
        print_json(data)
        return
    print_monitoring(data)
    if reveal:
        print_truth(data["truth"])


@app.command()
@friendly_errors
def grade(scenario: ScenarioArg,
          answers: Annotated[Path, typer.Option(help="Answer sheet (YAML or JSON): features, "
                                                "kind, root_cause, action, threshold, claims, "
                                                "justification.")],
          rows: Annotated[int | None, typer.Option(min=500, help="Production rows the "
                                                   "traffic used.")] = None,
          seed: SeedOpt = 0, save: Annotated[bool, typer.Option(help="Keep the attempt "
                                                                "for the progress page.")] = True,
          as_json: JsonOpt = False) -> None:
    """Grade an answer sheet against what was injected, part by part, and explain it."""
    from lab.attempts import AttemptStore, grade_attempt
    from lab.grade import AnswerError, format_score, load_answers
    from lab.scenario import load_scenario
    from lab.tracking import NoChampion

    spec = load_scenario(scenario)
    try:
        sheet = load_answers(answers, spec)
        result = grade_attempt(spec, sheet, rows=rows, seed=seed)
    except (AnswerError, NoChampion) as exc:
        raise UserError(str(exc)) from None
    if save:
        store = AttemptStore()
        store.save(spec, result, sheet)
        store.dispose()
    if as_json:
        print_json(result.to_dict())
        return
    table = Table("part", "points", "why", title=f"{spec.id}: {format_score(result.total, 100)}")
    for part in result.parts:
        table.add_row(part.name, format_score(part.points, part.maximum), part.why)
    out.print(table)
    print_truth(result.truth)
    out.print(f"[bold]debrief:[/] {result.debrief.strip()}", highlight=False)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def print_monitoring(m: dict[str, Any]) -> None:
    colour = {"ok": "green", "warn": "yellow", "alarm": "red"}
    table = Table("#", "start", "rows", "labelled", "alert", "drift", "est. P/R",
                  "real P/R", "first reason", title=f"monitoring ({m['window']} windows)")
    for w in m["windows"]:
        est, real = w["estimated"], w["realised"] or {}
        table.add_row(str(w["index"]), w["start"][:16], f"{w['rows']:,}", f"{w['labelled']:,}",
                      f"[{colour[w['alert']]}]{w['alert']}[/]", f"{w['drift_share']:.0%}",
                      f"{_num(est['precision'])}/{_num(est['recall'])}",
                      f"{_num(real.get('precision'))}/{_num(real.get('recall'))}",
                      (w["reasons"] or [""])[0])
    out.print(table)
    top = ", ".join(f"{s['feature']} ({s['score']:.3f})" for s in m["suspects"][:3])
    out.print(f"[bold]suspects:[/] {top}", highlight=False)
    for note in m["notes"][:1]:
        out.print(f"[dim]{note}[/]")


def print_truth(truths: list[dict[str, Any]]) -> None:
    if not truths:
        out.print("[bold]truth:[/] no fault was injected (a control run)")
    for t in truths:
        out.print(f"[bold]truth:[/] {t['kind']} ({t['category']}) on {t['features'] or 'labels'}"
                  f", {t['shape']} from row {t['onset_row']} ({t['onset_time']}): "
                  f"{t['root_cause']}", highlight=False)


@app.command()
@friendly_errors
def start(port: Annotated[int, typer.Option(help="Port of the Streamlit app.")] = 8501) -> None:
    """Start the lab on its embedded defaults (trains the first scenario if nothing is)."""
    from lab import tracking
    from lab.scenario import list_scenarios
    from lab.train import STEPS, train

    first = list_scenarios()[0]
    if tracking.champion_version(first.model_name) is None:
        out.print(f"training the first scenario, [bold]{first.id}[/]", highlight=False)
        with steps_progress(STEPS) as progress:
            print_train_summary(train(first, progress=progress))
    app_file = Path(__file__).resolve().parent.parent / "app.py"
    if not app_file.exists():
        out.print("next: `driftlab run SCENARIO --reveal` (or `driftlab serve`)")
        return
    import subprocess

    out.print(f"starting the lab at [bold]http://127.0.0.1:{port}[/]", highlight=False)
    # The flags repeat .streamlit/config.toml for a start from any folder: a fixed address
    # (Streamlit otherwise asks a web service for the machine's external IP) and no
    # usage statistics. The lab calls no one.
    raise typer.Exit(subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"],
        cwd=app_file.parent))


if __name__ == "__main__":  # pragma: no cover - the console script is `app`
    app()

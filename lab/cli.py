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
from rich.markup import escape
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


WorkspaceOpt = Annotated[str | None, typer.Option(
    "--workspace", "-w", envvar="LAB_WORKSPACE",
    help="Your workspace: its own models, runs and attempts (default: 'default').")]


@app.callback()
def main(workspace: WorkspaceOpt = None) -> None:
    """Driftlab: train, serve, drift, monitor, diagnose, grade."""
    import os

    from lab.config import get_settings
    from lab.workspace import WorkspaceError, validate

    if workspace is not None:
        try:
            os.environ["LAB_WORKSPACE"] = validate(workspace)
        except WorkspaceError as exc:
            print_error(str(exc))
            raise typer.Exit(2) from None
        get_settings.cache_clear()


def model_of(spec) -> str:
    """The scenario's model in the current workspace."""
    from lab.config import get_settings
    from lab.workspace import model_name

    return model_name(spec.id, get_settings().workspace)


def friendly_errors(fn: Callable) -> Callable:
    """Known user errors print one clear message and exit 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from lab.scenario import ScenarioError

        try:
            return fn(*args, **kwargs)
        except (ScenarioError, UserError) as exc:
            print_error(str(exc))
            raise typer.Exit(2) from None

    return wrapper


def print_error(message: str) -> None:
    """The message verbatim: no markup read into it (a pattern like ``[a-z0-9]`` stays),
    no line breaks added (a long field path or pattern is never split)."""
    err.print("[bold red]error:[/]", escape(message), highlight=False, soft_wrap=True)


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
    table = Table(title="Scenarios")
    # The id is what every other command takes: it is never cut, whatever the width.
    table.add_column("id", no_wrap=True, overflow="fold", min_width=max(
        (len(r["id"]) for r in rows), default=2))
    for name in ("title", "topics", "difficulty", "minutes"):
        table.add_column(name)
    for r in rows:
        table.add_row(escape(r["id"]), escape(r["title"]), ", ".join(r["topics"]),
                      r["difficulty"], str(r["minutes"]))
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
    out.print(f"Runs: [bold]{escape(tracking.ui_command())}[/]", highlight=False,
              soft_wrap=True)


def print_train_summary(result) -> None:
    m = result.test_metrics
    p = result.operating_point
    out.print(f"[bold]{escape(result.model_name)} v{result.version} @champion[/] "
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


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def warn_beyond_loopback(host: str, what: str) -> None:
    """The plain warning of a server that listens beyond this machine."""
    if host not in LOOPBACK:
        err.print(f"warning: listening on {host}, beyond this machine: anyone who can reach "
                  f"it can {what}", markup=False, highlight=False)


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
    from lab.serve.process import remove_metrics_dir, server_env

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    models = tracking.served_models(settings)
    if not models:
        err.print("[yellow]no model has a @champion yet: train one with "
                  "`driftlab train SCENARIO`, then POST /models/{name}/reload[/]")
    env = server_env(settings, workers)
    os.environ.update(env)
    base = escape(f"http://{host}:{port}")
    out.print(f"serving {escape(str(models))} on [bold]{base}[/] (docs: {base}/docs)",
              highlight=False)
    warn_beyond_loopback(host, "send predictions (set LAB_ADMIN_TOKEN to protect reloads)")
    try:
        uvicorn.run("lab.serve.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", access_log=False)
    finally:
        remove_metrics_dir(env)


@app.command()
@friendly_errors
def traffic(scenario: ScenarioArg,
            url: Annotated[str, typer.Option(help="The server's base URL.")] =
            "http://127.0.0.1:8000",
            rows: Annotated[int | None, typer.Option(min=1, help="Production rows.")] = None,
            seed: SeedOpt = 0,
            concurrency: Annotated[int, typer.Option(min=1, max=256)] = 4,
            batch: Annotated[int, typer.Option(min=1, max=1000, help="Records a request "
                                               "(1: one record a request).")] = 200,
            run: Annotated[str | None, typer.Option(help="Add to this prediction run "
                                                    "(default: a new run).")] = None,
            all_labels: Annotated[bool, typer.Option(help="Also send the labels still "
                                                     "inside the label delay.")] = False,
            reveal: Annotated[bool, typer.Option(help="Print the truth record.")] = False,
            as_json: JsonOpt = False) -> None:
    """Stream a scenario's production data (its fault injected) to a running server."""
    import httpx

    from lab.load import send_scenario_traffic as send_traffic  # open loop for serving
    from lab.scenario import load_scenario

    spec = load_scenario(scenario)
    try:
        httpx.get(f"{url}/health", timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        raise UserError(f"no Driftlab server answers at {url} ({exc}); start one with "
                        "`driftlab serve`") from None
    with rows_progress(quiet=as_json) as progress:
        report = send_traffic(spec, url, rows=rows, seed=seed, concurrency=concurrency,
                              batch_size=batch, all_labels=all_labels, progress=progress,
                              model=model_of(spec), run=run)
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
                          on_step=None if as_json else lambda s: err.print(f"- {s}", markup=False))
    summary = result.summary(reveal=reveal)
    if as_json:
        print_json(summary)
        return
    out.print(f"[bold]{escape(result.model)}[/]: model v{result.version}"
              + (" (trained now)" if result.trained else "") + f", run {result.run}",
              highlight=False)
    print_traffic(summary["traffic"])
    print_monitoring(summary["monitoring"])
    if reveal:
        print_truth(summary["truth"])


@app.command()
@friendly_errors
def remedy(scenario: ScenarioArg,
           action: Annotated[str, typer.Argument(
               metavar="REMEDY", help="nothing | fix-pipeline | re-threshold | retrain | "
                                      "promote | roll-back")],
           fixed_at: Annotated[float, typer.Option(
               min=0.0, max=1.0, help="fix-pipeline: how far into the week the feed is "
                                      "fixed (0 = before it starts).")] = 0.0,
           threshold: Annotated[float | None, typer.Option(
               help="re-threshold: the new threshold (default: the least cost on the "
                    "production rows labelled since the onset).")] = None,
           data: Annotated[str, typer.Option(
               help="retrain: reference | production | both (labelled rows so far).")] = "both",
           since: Annotated[str | None, typer.Option(
               help="retrain: rows from this time (default for production: the onset).")] = None,
           until: Annotated[str | None, typer.Option(help="retrain: rows before this time.")
                            ] = None,
           shadow: Annotated[bool, typer.Option(
               help="retrain: serve the week with the challenger in shadow (it scores every "
                    "request, the champion answers) instead of promoting it.")] = False,
           canary: Annotated[float | None, typer.Option(
               min=0.0, max=1.0, help="retrain: serve the week as a canary, this share of "
                                      "requests answered by the challenger (e.g. 0.3).")
                             ] = None,
           rows: Annotated[int | None, typer.Option(
               min=500, help="Production rows of the run you diagnosed.")] = None,
           as_json: JsonOpt = False) -> None:
    """Apply a remedy to your model and run the next week through the server.

    Prints the cost per day before and after, every remedy side by side, and the
    grade's outcome part."""
    from lab.remediation import RemedyError
    from lab.remediation.cli import remedy_command

    try:
        remedy_command(scenario, action, fixed_at, threshold, data, since, until, shadow, rows,
                       as_json, canary=canary)
    except RemedyError as exc:
        raise UserError(str(exc)) from None


@app.command()
@friendly_errors
def loadtest(scenario: ScenarioArg,
             models: Annotated[list[str] | None, typer.Option(
                 "--models", help="Candidate model kinds (repeat the option; default: all): "
                                  "logistic_regression, hist_gradient_boosting, "
                                  "random_forest.")] = None,
             workers: Annotated[int, typer.Option(help="Server workers (1-4).")] = 2,
             rate: Annotated[float | None, typer.Option(
                 help="Arrival rate, requests/s (default: the budget's).")] = None,
             requests: Annotated[int, typer.Option(help="Requests per model (100-20000).")
                                 ] = 600,
             rows: Annotated[int | None, typer.Option(
                 min=500, help="Training rows of each candidate (default: the scenario's).")
                             ] = None,
             seed: SeedOpt = 0, as_json: JsonOpt = False) -> None:
    """Load-test the candidate models under a p99 budget, each served alone at a rate.

    Each test is saved in your workspace (grading reads it); prints expected cost a day
    against p99 for the newest test of each model x workers."""
    from lab.loadtest import LoadTestError
    from lab.loadtest.cli import loadtest_command

    try:
        loadtest_command(scenario, models, workers, rate, requests, rows, seed, as_json)
    except LoadTestError as exc:
        raise UserError(str(exc)) from None


@contextmanager
def rows_progress(quiet: bool = False):
    """A progress bar over rows sent, labelled with the stream's date; yields the callback."""
    if quiet:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("traffic", total=None)

        def show(p) -> None:
            progress.update(task, completed=p.done, total=p.total,
                            description=f"production at {p.stream_time:%a %d %b %H:%M}")

        yield show


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
def monitor(scenario: Annotated[str | None, typer.Argument(
                help="A scenario id or YAML path (or use --reference/--current).")] = None,
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
            run: Annotated[str | None, typer.Option(help="The prediction run (default: the "
                                                    "newest; see `driftlab runs`).")] = None,
            since: Annotated[str | None, typer.Option(help="Instead of a run: predictions "
                                                      "from this event time on (ISO date).")]
            = None,
            until: Annotated[str | None, typer.Option(help="... and before this one.")] = None,
            seed: SeedOpt = 0, as_json: JsonOpt = False,
            reference: Annotated[Path | None, typer.Option(
                help="Your own data: the reference file (CSV or Parquet).")] = None,
            current: Annotated[Path | None, typer.Option(
                help="Your own data: the current file to compare with it.")] = None,
            target: Annotated[str | None, typer.Option(
                help="Your own data: the binary label column.")] = None,
            prediction: Annotated[str | None, typer.Option(
                help="Your own data: the model's probability column.")] = None,
            timestamp: Annotated[str | None, typer.Option(
                help="Your own data: the event-time column (windows by time).")] = None,
            ) -> None:
    """Compare each window of a prediction run with the reference; alerts and suspects.

    With --reference and --current: your own files instead of a scenario's run."""
    if reference is not None or current is not None:
        from lab.owndata.cli import monitor_files

        return monitor_files(scenario, reference, current, target, prediction, timestamp,
                             window, evidently, html, png, seed, as_json)
    if scenario is None:
        raise UserError("give a scenario, or your own files with --reference and --current")
    from lab import monitor as mon
    from lab.monitor.plots import timeline_html, timeline_png
    from lab.scenario import load_scenario
    from lab.tracking import NoChampion

    spec = load_scenario(scenario)
    name = model_of(spec)
    try:
        mon.parse_window(window)
        result = mon.monitor_model(name, window, run=run, since=_moment(since, "--since"),
                                   until=_moment(until, "--until"))
    except mon.NoPredictions as exc:
        raise UserError(f"{exc}: send traffic first (`driftlab traffic` or `driftlab run`), "
                        "or pick a run from `driftlab runs`") from None
    except (ValueError, NoChampion) as exc:
        raise UserError(str(exc)) from None
    data = result.to_dict()
    if reveal:
        from lab.catalogue.truth import measured_truth_of_champion

        # hurts_model is measured for the champion on the stream sent with --seed.
        data["truth"] = measured_truth_of_champion(
            spec, name, seed, sum(w["rows"] for w in result.windows))
    if html:
        err.print(f"timeline: {timeline_html(data, html)}", markup=False, soft_wrap=True)
    if png:
        err.print(f"timeline: {timeline_png(data, png)}", markup=False, soft_wrap=True)
    if evidently is not None:
        try:
            path = mon.evidently_window_report(name, evidently, window, run=result.run)
        except IndexError as exc:
            raise UserError(str(exc)) from None
        err.print(f"Evidently report: {path}", markup=False, soft_wrap=True)
    if as_json:
        print_json(data)
        return
    print_monitoring(data)
    if reveal:
        print_truth(data["truth"])


def _moment(text: str | None, option: str):
    from datetime import datetime

    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: {text!r} is not an ISO date or time (e.g. 2026-02-03 or "
                        "2026-02-03T12:00)") from None


@app.command()
@friendly_errors
def runs(model: Annotated[str | None, typer.Option(help="Only this model (default: all).")]
         = None, as_json: JsonOpt = False) -> None:
    """List the prediction runs kept in the store, newest first."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    store = PredictionStore(get_settings().prediction_store_url)
    try:
        rows = store.runs(model)
    finally:
        store.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table("run", "model", "versions", "predictions", "labelled", "first event",
                  "last event", "sent", title="prediction runs")
    for r in rows:
        table.add_row(r["run"] or "(none)", r["model"], ", ".join(map(str, r["versions"])),
                      f"{r['predictions']:,}", f"{r['labelled']:,}", str(r["first_event"])[:16],
                      str(r["last_event"])[:16], str(r["first_received"])[:16])
    out.print(table)


@app.command()
@friendly_errors
def prune(model: Annotated[str, typer.Option(help="The model whose predictions to delete.")],
          before: Annotated[str | None, typer.Option(help="Predictions received before this "
                                                     "date or time (ISO).")] = None,
          run: Annotated[str | None, typer.Option(help="Only this run.")] = None,
          yes: Annotated[bool, typer.Option("--yes", help="Delete; without it, only say "
                                            "what would be deleted.")] = False) -> None:
    """Delete acknowledged predictions, explicitly: says what it deletes, asks for --yes."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    if before is None and run is None:
        raise UserError("say what to delete: --before DATE and/or --run RUN")
    moment = _moment(before, "--before")
    store = PredictionStore(get_settings().prediction_store_url)
    try:
        what = f"predictions of {model!r}" + (f" in run {run!r}" if run else "") + (
            f" received before {moment:%Y-%m-%d %H:%M}" if moment else "")
        count = store.prune(model, before=moment, run=run, execute=yes)
    finally:
        store.dispose()
    if yes:
        out.print(f"deleted {count:,} {what}", highlight=False, markup=False, soft_wrap=True)
    else:
        out.print(f"would delete {count:,} {what}; run again with --yes to delete them",
                  highlight=False, markup=False, soft_wrap=True)


@app.command()
@friendly_errors
def grade(scenario: ScenarioArg,
          answers: Annotated[Path, typer.Option(help="Answer sheet (YAML or JSON): features, "
                                                "kind, root_cause, action, threshold, claims, "
                                                "justification.")],
          run: Annotated[str | None, typer.Option(help="The production run you diagnosed "
                                                  "(default: your newest; see `driftlab "
                                                  "runs`).")] = None,
          replay: Annotated[bool, typer.Option(help="Grade on an offline replay of the "
                                               "scenario's stream instead of a logged run "
                                               "(with --rows and --seed).")] = False,
          rows: Annotated[int | None, typer.Option(min=500, help="With --replay: production "
                                                   "rows.")] = None,
          seed: SeedOpt = 0, save: Annotated[bool, typer.Option(help="Keep the attempt "
                                                                "for the progress page.")] = True,
          as_json: JsonOpt = False) -> None:
    """Grade an answer sheet against the run you diagnosed, part by part, and explain it."""
    from lab.attempts import AttemptStore, grade_attempt
    from lab.grade import (
        AnswerError,
        RunNotFound,
        evidence_by_replay,
        evidence_from_run,
        format_score,
        load_answers,
    )
    from lab.scenario import load_scenario
    from lab.tracking import NoChampion

    spec = load_scenario(scenario)
    model = model_of(spec)
    try:
        sheet = load_answers(answers, spec)
        if replay:
            evidence = evidence_by_replay(spec, rows, seed, model=model)
        else:
            evidence = evidence_from_run(spec, model, run)
        result = grade_attempt(spec, sheet, evidence)
    except RunNotFound as exc:
        raise UserError(f"{exc} (or grade on an offline replay with --replay)") from None
    except (AnswerError, NoChampion) as exc:
        raise UserError(str(exc)) from None
    if save:
        store = AttemptStore()
        store.save(spec, result, sheet, run=None if replay else evidence.monitoring.get("run"))
        store.dispose()
    if as_json:
        print_json(result.to_dict())
        return
    table = Table("part", "points", "why", title=f"{spec.id}: {format_score(result.total, 100)}")
    for part in result.parts:
        table.add_row(escape(part.name), format_score(part.points, part.maximum),
                      escape(part.why))
    out.print(table)
    print_truth(result.truth)
    out.print(f"[bold]debrief:[/] {escape(result.debrief.strip())}", highlight=False)


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


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
                      escape((w["reasons"] or [""])[0]))
    out.print(table)
    top = ", ".join(f"{s['feature']} ({s['score']:.3f})" for s in m["suspects"][:3])
    if m.get("suspects_note"):
        out.print(f"[bold]suspects:[/] {escape(m['suspects_note'])}", highlight=False)
    out.print(f"[bold]{'ranked anyway' if m.get('suspects_note') else 'suspects'}:[/] "
              f"{escape(top)}", highlight=False)
    for note in m["notes"][:1]:
        out.print(f"[dim]{escape(note)}[/]")
    print_service(m)


def print_service(m: dict[str, Any]) -> None:
    """The service side per window, when the summary was read from a server's store."""
    if not any(w.get("service") for w in m["windows"]):
        return
    table = Table("#", "versions", "offered /s", "served /s", "p50 ms", "p99 ms",
                  "client p99 ms", "errors", title="service (server log; offered: the client)")
    for w in m["windows"]:
        s = w.get("service")
        if not s:
            continue
        offered = s.get("offered") or {}
        table.add_row(str(w["index"]), ", ".join(map(str, s["versions"])),
                      _num(offered.get("rate"), 1), _num(s["throughput"], 1),
                      _num(s["latency_ms"]["p50"], 1), _num(s["latency_ms"]["p99"], 1),
                      _num((offered.get("latency_ms") or {}).get("p99"), 1),
                      f"{s['error_rate']:.1%}")
    out.print(table)


def print_truth(truths: list[dict[str, Any]]) -> None:
    if not truths:
        out.print("[bold]truth:[/] no fault was injected (a control run)")
    for t in truths:
        what = (f"{t['kind']} ({t['category']}) on {t['features'] or 'labels'}, {t['shape']} "
                f"from row {t['onset_row']} ({t['onset_time']}): {t['root_cause']}")
        if t.get("hurts_model") is not None:
            harm = (t.get("details") or {}).get("harm") or {}
            what += (f"; hurts the model: {'yes' if t['hurts_model'] else 'no'} (measured"
                     + (f": regret {harm['relative']:+.0%} of the clean cost"
                        if "relative" in harm else "") + ")")
        out.print(f"[bold]truth:[/] {escape(what)}", highlight=False)


@app.command()
@friendly_errors
def notebooks(open_: Annotated[bool, typer.Option("--open", help="Start Jupyter Lab on them "
                                                  "(needs the 'notebooks' extra).")] = False
              ) -> None:
    """List the self-study notebooks and say how to open them."""
    import importlib.util
    import subprocess

    folder = Path(__file__).resolve().parent.parent / "notebooks"
    if not folder.is_dir():
        raise UserError("no notebooks/ folder beside the lab: they ship with the repository")
    for path in sorted(folder.glob("*.ipynb")):
        out.print(f"  {path.name:<38} {_notebook_title(path)}", markup=False, highlight=False,
                  soft_wrap=True)
    has_jupyter = importlib.util.find_spec("jupyterlab") is not None
    command = [sys.executable, "-m", "jupyter", "lab", str(folder)]
    if open_ and has_jupyter:
        raise typer.Exit(subprocess.call(command))
    if not has_jupyter:
        out.print('install Jupyter Lab first: .venv/bin/pip install -e ".[notebooks]"',
                  markup=False, highlight=False)
    out.print("open them with: " + " ".join(command), markup=False, highlight=False,
              soft_wrap=True)


def _notebook_title(path: Path) -> str:
    """The notebook's first heading (its topic), or nothing when it has none."""
    import json

    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", []))
            first = text.strip().splitlines()[0] if text.strip() else ""
            return first.lstrip("#").strip() if first.startswith("#") else ""
    return ""


@app.command()
@friendly_errors
def start(port: Annotated[int, typer.Option(help="Port of the Streamlit app.")] = 8501,
          host: Annotated[str, typer.Option(
              help="Interface of the app (0.0.0.0: every machine on the network, e.g. for "
                   "an interview from two computers).")] = "127.0.0.1") -> None:
    """Start the lab on its embedded defaults (trains the first scenario if nothing is)."""
    from lab import tracking
    from lab.scenario import list_scenarios
    from lab.train import STEPS, train

    first = list_scenarios()[0]
    if tracking.champion_version(model_of(first)) is None:
        out.print(f"training the first scenario, [bold]{escape(first.id)}[/]", highlight=False)
        with steps_progress(STEPS) as progress:
            print_train_summary(train(first, progress=progress))
    app_file = Path(__file__).resolve().parent.parent / "app.py"
    if not app_file.exists():
        out.print("next: `driftlab run SCENARIO --reveal` (or `driftlab serve`)")
        return
    import os
    import subprocess

    from lab.config import get_settings

    out.print(f"starting the lab at [bold]{escape(f'http://{host}:{port}')}[/]",
              highlight=False)
    warn_beyond_loopback(host, "open the app and every workspace in it (interviewer pages "
                               "ask for LAB_INTERVIEWER_PASSCODE)")
    # The flags repeat .streamlit/config.toml for a start from any folder: a fixed address
    # (Streamlit otherwise asks a web service for the machine's external IP) and no
    # usage statistics. The lab calls no one. No source watching: it cost every new
    # session ~3 s of CPU (see .streamlit/config.toml).
    raise typer.Exit(subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
         "--server.address", host, "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
         "--server.fileWatcherType", "none"],
        # The app runs in its own folder: the home it shares with this command is absolute.
        cwd=app_file.parent, env={**os.environ, "LAB_HOME": str(get_settings().home_dir)}))


if __name__ == "__main__":  # pragma: no cover - the console script is `app`
    app()

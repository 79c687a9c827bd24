import pandas as pd
import streamlit as st
from pydantic import ValidationError

from lab import tracking
from lab import workspace as workspaces
from lab.attempts import AttemptStore, grade_attempt
from lab.config import get_settings
from lab.evaluation import operating_curve, point_at
from lab.grade import (
    HINT_CAPS,
    STATISTICS,
    Answers,
    Claim,
    RunEvidence,
    format_score,
    option_order,
)
from lab.grade.evidence import workspace_load_tests
from lab.monitor import evidently_window_report, run_log
from lab.monitor.core import suspects_of
from lab.monitor.plots import timeline_figure
from lab.scenario import ACTIONS, PROBLEM_KINDS, load_scenario
from lab.train import STEPS, train
from lab.ui import charts, jobs, monitoring
from lab.ui import format as fmt
from lab.ui import workspace as ui_workspace
from lab.ui.feedback import feedback
from lab.ui.flow import deploy, run_production, run_stats, stage_hook
from lab.ui.interview import live_hints, live_session
from lab.ui.loadtest import load_test_panel
from lab.ui.remedy import remedy_step
from lab.ui.service import service_answer_inputs, service_panel
from lab.ui.session import model_server

FORM_KEYS = ("scenario_features", "scenario_kind", "scenario_root_cause", "scenario_action",
             "scenario_new_threshold", "scenario_claims", "scenario_justification")
KIND_LABELS = {"covariate": "Covariate shift (the inputs really changed)",
               "prior": "Prior shift (the base rate changed)",
               "concept": "Concept drift (the relationship changed)",
               "pipeline": "Pipeline fault (what the model receives is broken)",
               "labels": "Label fault (which labels arrive, or whether any do, changed)",
               "none": "No fault (noise)"}


def page() -> None:
    if "scenario_id" not in st.session_state:
        st.info("Pick a scenario in the catalogue first.")
        return
    spec = load_scenario(st.session_state["scenario_id"])
    model = workspaces.model_name(spec.id, ui_workspace.current())
    stage_hook(spec, ui_workspace.current(), st.session_state)  # for an interviewer, if any
    settings = lab_settings(spec)
    st.title(spec.title)
    brief(spec)
    trained = train_and_choose(spec, settings)
    if trained is None:
        return
    deployment = deploy_step(spec, model)
    if deployment is None:
        return
    monitoring_ = production(spec, settings, deployment)
    if monitoring_ is None:
        return
    result = diagnose(spec, settings, deployment)
    if result is not None:
        feedback(result)
        if live_session(spec.id) is None:  # in an interview, remedies are talked through
            remedy_step(spec, settings, deployment)


def lab_settings(spec) -> dict:
    defaults = {"scenario_reference_rows": spec.reference_rows,
                "scenario_production_rows": spec.production_rows, "scenario_seed": 0}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    with st.sidebar.expander("Lab settings", expanded=False):
        reference = st.number_input("Training rows", 1000, 500_000, step=1000,
                                    key="scenario_reference_rows")
        production_rows = st.number_input("Production rows", 500, 500_000, step=500,
                                          key="scenario_production_rows")
        seed = st.number_input("Seed", 0, 10_000, key="scenario_seed")
    return {"reference_rows": int(reference), "production_rows": int(production_rows),
            "seed": int(seed)}


def brief(spec) -> None:
    st.header("1. Brief")
    st.markdown(spec.brief)
    costs = spec.costs
    a, b, c = st.columns(3)
    a.metric("Cost of a false positive", fmt.money(costs.false_positive, costs.currency))
    b.metric("Cost of a false negative", fmt.money(costs.false_negative, costs.currency))
    c.metric("Review capacity", f"{costs.review_capacity_per_day:,} a day"
             if costs.review_capacity_per_day else "unlimited")
    st.caption("The system: events → features → a scikit-learn pipeline in MLflow → "
               "a FastAPI service that scores each record → a prediction log → monitoring. "
               f"True labels arrive {fmt.duration(spec.label_delay)} after a record.")


def train_and_choose(spec, settings):
    st.header("2. Train & choose a threshold")
    clicked = st.button("Train the model", key="scenario_train_button",
                        disabled=jobs.running("scenario_train_job"))
    if clicked or jobs.running("scenario_train_job"):
        jobs.start("scenario_train_job", train, scenario=spec, seed=settings["seed"],
                   rows=settings["reference_rows"], workspace=ui_workspace.current())
        bar = st.progress(0.0, text="starting")
        steps = list(STEPS)
        st.session_state["scenario_trained"] = jobs.wait(
            "scenario_train_job",
            lambda step: bar.progress(steps.index(step) / len(steps), text=step))
        bar.progress(1.0, text="trained and registered as @champion")
        for key in ("scenario_deployment", "scenario_production", "scenario_grade"):
            st.session_state.pop(key, None)
    trained = st.session_state.get("scenario_trained")
    if trained is None:
        return None
    st.success(f"{trained.model_name} v{trained.version} is your @champion "
               f"({trained.rows:,} rows). Runs: `{tracking.ui_command()}`")
    y_test, s_test = trained.test
    m = trained.test_metrics
    cols = st.columns(4)
    for col, name in zip(cols, ("roc_auc", "pr_auc", "precision", "recall")):
        col.metric(f"test {name}", fmt.ratio(m[name]))
    st.session_state.setdefault("scenario_threshold", float(round(trained.threshold, 3)))
    threshold = st.slider("Operating threshold", 0.0, 1.0, step=0.005,
                          key="scenario_threshold")
    y_val, s_val = trained.validation
    costs = spec.costs
    per_day = spec.world_.rows_per_day
    point = point_at(y_val, s_val, threshold, costs.false_positive, costs.false_negative,
                     per_day)
    a, b, c, d = st.columns(4)
    a.metric("precision", fmt.ratio(point.precision))
    b.metric("recall", fmt.ratio(point.recall))
    c.metric("alerts a day", fmt.count(point.alerts_per_day))
    d.metric("expected cost a day", fmt.money(point.cost_per_day, costs.currency),
             delta=f"{point.cost_per_day - trained.operating_point.cost_per_day:+,.0f} vs best",
             delta_color="inverse")
    capacity = costs.review_capacity_per_day
    if capacity and point.alerts_per_day > capacity:
        st.warning(f"This threshold alerts {point.alerts_per_day:,.0f} a day, "
                   f"{point.alerts_per_day - capacity:,.0f} more than the reviewers can "
                   f"handle ({capacity:,}).")
    curve = operating_curve(y_val, s_val, costs.false_positive, costs.false_negative, per_day)
    st.plotly_chart(charts.operating_curve(curve, threshold, capacity=capacity),
                    key="scenario_curve")
    left, right = st.columns(2)
    left.plotly_chart(charts.pr_curve(y_test, s_test, threshold), key="scenario_pr")
    right.plotly_chart(charts.roc(y_test, s_test), key="scenario_roc")
    left.plotly_chart(charts.calibration(y_test, s_test), key="scenario_cal")
    right.plotly_chart(charts.confusion(y_test, s_test, threshold), key="scenario_cm")
    # Stored with the attempt and graded like the justification: cost, capacity,
    # precision/recall and base rate, in sentences that name numbers.
    st.text_area("Why this threshold?", key="scenario_threshold_why",
                 placeholder="The precision/recall trade-off you chose, with its cost a day "
                             "and alerts a day against the review capacity.")
    return trained


def deploy_step(spec, model: str):
    st.header("3. Deploy")
    clicked = st.button("Deploy behind FastAPI", key="scenario_deploy_button",
                        disabled=jobs.running("scenario_deploy_job"))
    if clicked or jobs.running("scenario_deploy_job"):
        with st.spinner("Starting the server and loading your champion..."):
            server = model_server(str(get_settings().home_dir))
            jobs.start("scenario_deploy_job", _deploy, server=server, model=model,
                       threshold=float(st.session_state["scenario_threshold"]))
            st.session_state["scenario_deployment"] = jobs.wait("scenario_deploy_job")
        st.session_state.pop("scenario_production", None)
    deployment = st.session_state.get("scenario_deployment")
    if deployment is None:
        return None
    a, b, c, d = st.columns(4)
    a.metric("model version", deployment.version)
    b.metric("threshold", f"{deployment.threshold:.3f}")
    c.metric("latency p50", fmt.ms(deployment.latency_p50_ms))
    d.metric("latency p99", fmt.ms(deployment.latency_p99_ms))
    st.markdown(f"Serving `{model}` at `{deployment.url}` · "
                f"[API docs]({deployment.url}/docs)")
    return deployment


def _deploy(server, model: str, threshold: float, progress=None):
    return deploy(server, model, threshold=threshold)


def production(spec, settings, deployment):
    st.header("4. Production")
    st.caption("Traffic flows with the scenario's hidden fault, as a run of its own. Labels "
               f"arrive {fmt.duration(spec.label_delay)} after each record.")
    load_test_panel(spec, ui_workspace.current(), settings)  # a p99-budget scenario only
    clicked = st.button("Send production traffic", key="scenario_traffic_button",
                        disabled=jobs.running("scenario_traffic_job"))
    if clicked or jobs.running("scenario_traffic_job"):
        jobs.start("scenario_traffic_job", run_production, spec=spec, url=deployment.url,
                   model=deployment.model, rows=settings["production_rows"],
                   seed=settings["seed"],
                   reference_rows=st.session_state["scenario_trained"].rows)
        bar = st.progress(0.0, text="starting the traffic")
        live = st.empty()

        def show(p) -> None:
            bar.progress(p.done / p.total, text=f"production at {fmt.moment(p.stream_time)} · "
                                                f"{p.done:,} / {p.total:,} rows")
            live.plotly_chart(charts.traffic_so_far(p.report.per_day(p.done)),
                              key=f"scenario_live_{p.done}")

        done = jobs.wait("scenario_traffic_job", show)
        bar.progress(1.0, text=f"{done.traffic.predictions:,} predictions in "
                               f"{done.seconds:.1f} s, monitored")
        st.session_state["scenario_production"] = done
        for key in ("scenario_window", "scenario_runlog", "scenario_grade"):
            st.session_state.pop(key, None)
    done = st.session_state.get("scenario_production")
    if done is None:
        return None
    monitoring_view(spec, deployment, done)
    return done.monitoring


def monitoring_view(spec, deployment, done) -> None:
    report, result = done.traffic, done.monitoring
    stats = run_stats(deployment.url, deployment.model, report.run)
    errors = sum(stats["errors_by_status"].values())
    a, b, c, d, e = st.columns(5)
    a.metric("predictions", fmt.count(report.predictions))
    b.metric("error rate", fmt.share(errors / max(report.requests, 1)))
    c.metric("server p50", fmt.ms(stats["latency_ms"]["p50"]))
    d.metric("server p99", fmt.ms(stats["latency_ms"]["p99"]))
    e.metric("alarms", f"{result['summary']['windows_in_alarm']} of "
                       f"{result['summary']['windows']} days")
    st.caption(f"Run `{report.run}` · {report.requests:,} requests · client p99 "
               f"{fmt.ms(report.latency(0.99))}")
    st.plotly_chart(timeline_figure(result), key="scenario_timeline")
    windows = result["windows"]
    st.session_state.setdefault("scenario_window", monitoring.first_alert_index(result))
    index = st.selectbox("Window", [w["index"] for w in windows],
                         format_func=lambda i: monitoring.window_label(windows[i]),
                         key="scenario_window",
                         help="Opens on the first window that alerted.")
    window = windows[index]
    monitoring.reasons(window)
    service_panel(result, window)
    if "scenario_runlog" not in st.session_state:
        st.session_state["scenario_runlog"] = run_log(deployment.model, report.run)
    reference, log = st.session_state["scenario_runlog"]
    rows = monitoring.feature_rows(window)
    tab_drift, tab_quality, tab_perf, tab_suspects, tab_whatif = st.tabs(
        ["Drift per feature", "Data quality", "Performance", "Suspects", "What-if threshold"])
    with tab_drift:
        st.plotly_chart(charts.feature_effects(window), key="scenario_effects")
        st.dataframe(monitoring.styled(rows, ["method", "statistic", "effect", "drifted",
                                              "seasonal"]))
        st.caption("Seasonal (calendar) features are matched, not tested: each window is "
                   "compared with reference rows of the same weekday and hour mix.")
    with tab_quality:
        st.dataframe(monitoring.styled(rows, ["missing_share", "missing_delta", "unseen_share",
                                              "out_of_range_share", "constant"]))
    with tab_perf:
        st.dataframe(monitoring.performance_table(window).style.format("{:.3f}", na_rep="–"))
        st.caption(result["notes"][0])
    with tab_suspects:
        left, right = st.columns(2)
        left.markdown(f"**This window** ({fmt.day(window['start'])})")
        part = log[(log["event_time"] >= pd.Timestamp(window["start"]))
                   & (log["event_time"] <= pd.Timestamp(window["end"]))]
        left.dataframe(monitoring.suspects_table(suspects_of(reference, part)))
        right.markdown("**The whole run** (from the first alert on)")
        if result.get("suspects_note"):
            right.info(result["suspects_note"])
        right.dataframe(monitoring.suspects_table(result["suspects"]))
    with tab_whatif:
        first = windows[monitoring.first_alert_index(result)]["start"]
        monitoring.whatif(log, first, spec.costs, spec.world_.rows_per_day,
                          deployment.threshold, key="scenario_whatif_threshold")
    if st.button("Open the full Evidently report for this window",
                 key="scenario_evidently_button"):
        with st.spinner("Evidently is computing the report..."):
            path = evidently_window_report(deployment.model, index, run=report.run)
        st.download_button("Download the report", path.read_bytes(), file_name=path.name,
                           mime="text/html", key="scenario_evidently_download")
        st.iframe(path, height=900)


def diagnose(spec, settings, deployment):
    st.header("5. Diagnose")
    graded = st.session_state.get("scenario_grade")
    if graded is not None:
        # A submitted attempt is final: trying again is a new attempt, with a fresh form.
        number = st.session_state.get("scenario_attempts", 1)
        if live_session(spec.id) is None:
            st.info(f"Attempt {number} submitted: {format_score(graded.total, 100)}. "
                    "Its feedback is below.")
        else:  # the interviewer goes through it with the candidate
            st.info(f"Attempt {number} submitted.")
        if st.button("Try again", key="scenario_retry_button"):
            for key in FORM_KEYS + ("scenario_grade",):
                st.session_state.pop(key, None)
            st.rerun()
        return graded
    hints_taken = hints_panel(spec)
    names = spec.world_.schema.names
    options = {o.id: o.text for o in spec.questions.root_causes}
    # Nothing is pre-selected and the options are shuffled per attempt (seeded: a replay of
    # the same attempt shows the same order), so an untouched form earns nothing.
    order = option_order(spec, settings["seed"] + st.session_state.get("scenario_attempts", 0))
    with st.form("scenario_answers"):
        features = st.multiselect("What changed? (features)", names, key="scenario_features")
        kind = st.radio("What kind of problem is it?", PROBLEM_KINDS, index=None,
                        format_func=KIND_LABELS.get, key="scenario_kind")
        root_cause = st.radio("Most likely root cause", order, index=None,
                              format_func=options.get, key="scenario_root_cause")
        action = st.selectbox("What to do", ACTIONS, index=None, key="scenario_action",
                              placeholder="Choose an action")
        threshold = st.number_input("Threshold for current conditions", 0.0, 1.0, value=None,
                                    step=0.005, format="%.3f", key="scenario_new_threshold",
                                    placeholder="e.g. the slider's value, or a new one")
        st.markdown("**Evidence**: claims the lab checks against your run (window index, "
                    "the statistic, its value there and, optionally, in the reference).")
        claims = st.data_editor(
            pd.DataFrame({"feature": pd.Series(dtype=object),
                          "statistic": pd.Series(dtype=object),
                          "window": pd.Series(dtype="Int64"),
                          "value": pd.Series(dtype=float), "baseline": pd.Series(dtype=float)}),
            num_rows="dynamic", key="scenario_claims",
            column_config={
                "feature": st.column_config.SelectboxColumn(options=names),
                "statistic": st.column_config.SelectboxColumn(options=list(STATISTICS),
                                                              required=True),
                "window": st.column_config.NumberColumn(min_value=0, step=1, required=True),
                "value": st.column_config.NumberColumn(required=True, format="%.4f"),
                "baseline": st.column_config.NumberColumn(format="%.4f")})
        justification = st.text_area("Justify: what the evidence shows, the cause, the remedy",
                                     key="scenario_justification")
        service_fields = service_answer_inputs(spec)
        submitted = st.form_submit_button("Submit the diagnosis")
    if submitted:
        try:
            answers = Answers(features=features, kind=kind, root_cause=root_cause,
                              action=action, threshold=threshold,
                              claims=claim_rows(claims), justification=justification,
                              threshold_why=st.session_state.get("scenario_threshold_why", ""),
                              hints_taken=hints_taken, **service_fields)
        except ValidationError as exc:
            for err in exc.errors():
                st.error(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
            return st.session_state.get("scenario_grade")
        with st.spinner("Grading against your run..."):
            result = grade_attempt(spec, answers, run_evidence(spec, deployment))
            store = AttemptStore(workspace=ui_workspace.current())
            store.save(spec, result, answers,
                       run=st.session_state["scenario_production"].traffic.run)
            store.dispose()
        st.session_state["scenario_attempts"] = st.session_state.get("scenario_attempts", 0) + 1
        st.session_state["scenario_grade"] = result
        st.rerun()  # draw the locked attempt, not the form it came from
    return st.session_state.get("scenario_grade")


def hints_panel(spec) -> int:
    """The scenario's staged hints, one button for the next; returns how many were taken.

    Taken hints stay taken for the rest of the session (a retry has seen them too) and are
    recorded with every attempt, whose score they cap (lab.grade.HINT_CAPS).
    """
    given = live_hints(spec)  # in an interview, the interviewer gives the hints
    if given is not None:
        return given
    hints = list(getattr(spec.questions, "hints", None) or [])
    if not hints:
        return 0
    key = f"scenario_hints_taken_{spec.id}"
    taken = min(st.session_state.get(key, 0), len(hints))
    with st.expander(f"Hints ({taken} of {len(hints)} taken)", expanded=taken > 0):
        for i, hint in enumerate(hints[:taken], start=1):
            st.markdown(f"**Hint {i}.** {hint}")
        if taken < len(hints):
            cap = HINT_CAPS[min(taken + 1, len(HINT_CAPS) - 1)]
            if st.button(f"Show hint {taken + 1} of {len(hints)} (caps the score at {cap:g})",
                         key="scenario_hint_button"):
                st.session_state[key] = taken + 1
                st.rerun()
        else:
            st.caption("No more hints.")
    return taken


def claim_rows(table: pd.DataFrame) -> list[Claim]:
    """The claims table's filled rows; blanks become None, numpy scalars plain numbers."""
    rows = table.dropna(how="all").to_dict("records")
    return [Claim(**{k: _plain(v) for k, v in row.items()}) for row in rows]


def _plain(value):
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def run_evidence(spec, deployment) -> RunEvidence:
    """The run the candidate saw: its prediction log, its monitoring, its champion."""
    done = st.session_state["scenario_production"]
    if "scenario_runlog" not in st.session_state:
        st.session_state["scenario_runlog"] = run_log(deployment.model, done.traffic.run)
    _reference, log = st.session_state["scenario_runlog"]
    trained = st.session_state["scenario_trained"]
    return RunEvidence([t.to_dict() for t in done.traffic.truths], log, done.monitoring,
                       trained.validation, spec.world_.rows_per_day,
                       workspace_load_tests(spec, deployment.model))

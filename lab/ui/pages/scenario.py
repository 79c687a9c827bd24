import pandas as pd
import streamlit as st
from pydantic import ValidationError

from lab import tracking
from lab.attempts import AttemptStore, grade_attempt
from lab.config import get_settings
from lab.evaluation import operating_curve, point_at
from lab.grade import STATISTICS, Answers, Claim, RunEvidence, format_score, option_order
from lab.monitor import build_reference, evidently_window_report, log_frame, monitor_model
from lab.scenario import ACTIONS, PROBLEM_KINDS, load_scenario
from lab.serve.store import PredictionStore
from lab.traffic import send_traffic
from lab.train import STEPS, train
from lab.ui import charts
from lab.ui.flow import deploy, service_stats
from lab.ui.session import model_server

KIND_LABELS = {"covariate": "Covariate shift (the inputs really changed)",
               "prior": "Prior shift (the base rate changed)",
               "concept": "Concept drift (the relationship changed)",
               "pipeline": "Pipeline fault (what the model receives is broken)",
               "none": "No fault (noise)"}


def page() -> None:
    if "scenario_id" not in st.session_state:
        st.info("Pick a scenario in the catalogue first.")
        return
    spec = load_scenario(st.session_state["scenario_id"])
    settings = lab_settings(spec)
    st.title(spec.title)
    brief(spec)
    trained = train_and_choose(spec, settings)
    if trained is None:
        return
    deployment = deploy_step(spec)
    if deployment is None:
        return
    monitoring = production(spec, settings, deployment)
    if monitoring is None:
        return
    result = diagnose(spec, settings)
    if result is not None:
        feedback(result)


def lab_settings(spec) -> dict:
    with st.sidebar.expander("Lab settings", expanded=False):
        reference = st.number_input("Training rows", 1000, 500_000, spec.reference_rows, 1000,
                                    key="scenario_reference_rows")
        production_rows = st.number_input("Production rows", 500, 500_000,
                                          spec.production_rows, 500,
                                          key="scenario_production_rows")
        seed = st.number_input("Seed", 0, 10_000, 0, key="scenario_seed")
    return {"reference_rows": int(reference), "production_rows": int(production_rows),
            "seed": int(seed)}


def brief(spec) -> None:
    st.header("1. Brief")
    st.markdown(spec.brief)
    costs = spec.costs
    a, b, c = st.columns(3)
    a.metric("Cost of a false positive", f"{costs.false_positive:g} {costs.currency}")
    b.metric("Cost of a false negative", f"{costs.false_negative:g} {costs.currency}")
    c.metric("Review capacity", f"{costs.review_capacity_per_day} a day"
             if costs.review_capacity_per_day else "unlimited")
    st.caption("The system: ticket events → features → a scikit-learn pipeline in MLflow → "
               "a FastAPI service that scores each ticket → a prediction log → monitoring. "
               f"True labels arrive {spec.label_delay} after a ticket.")


def train_and_choose(spec, settings):
    st.header("2. Train & choose a threshold")
    if st.button("Train the model", key="scenario_train_button"):
        bar = st.progress(0.0, text="starting")
        steps = list(STEPS)

        def progress(step: str) -> None:
            bar.progress(steps.index(step) / len(steps), text=step)

        st.session_state["scenario_trained"] = train(
            spec, seed=settings["seed"], rows=settings["reference_rows"], progress=progress)
        bar.progress(1.0, text="trained and registered as @champion")
    trained = st.session_state.get("scenario_trained")
    if trained is None:
        return None
    st.success(f"{trained.model_name} v{trained.version} is the @champion "
               f"({trained.rows:,} rows). Runs: `{tracking.ui_command()}`")
    y_test, s_test = trained.test
    m = trained.test_metrics
    cols = st.columns(4)
    for col, name in zip(cols, ("roc_auc", "pr_auc", "precision", "recall")):
        col.metric(f"test {name}", f"{m[name]:.3f}")
    threshold = st.slider("Operating threshold", 0.0, 1.0, float(round(trained.threshold, 3)),
                          0.005, key="scenario_threshold")
    y_val, s_val = trained.validation
    costs = spec.costs
    per_day = spec.world_.rows_per_day
    point = point_at(y_val, s_val, threshold, costs.false_positive, costs.false_negative,
                     per_day)
    a, b, c, d = st.columns(4)
    a.metric("precision", f"{point.precision:.3f}")
    b.metric("recall", f"{point.recall:.3f}")
    c.metric("alerts a day", f"{point.alerts_per_day:,.0f}")
    d.metric("expected cost a day", f"{point.cost_per_day:,.0f}",
             delta=f"{point.cost_per_day - trained.operating_point.cost_per_day:+,.0f} vs best",
             delta_color="inverse")
    if costs.review_capacity_per_day and point.alerts_per_day > costs.review_capacity_per_day:
        st.warning("This threshold alerts more tickets than the reviewers can handle.")
    curve = operating_curve(y_val, s_val, costs.false_positive, costs.false_negative, per_day)
    st.plotly_chart(charts.operating_curve(curve, threshold), key="scenario_curve")
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


def deploy_step(spec):
    st.header("3. Deploy")
    if st.button("Deploy behind FastAPI", key="scenario_deploy_button"):
        with st.spinner("Starting the server and loading the champion..."):
            server = model_server(str(get_settings().home_dir))
            st.session_state["scenario_deployment"] = deploy(server, spec.model_name)
    deployment = st.session_state.get("scenario_deployment")
    if deployment is None:
        return None
    a, b, c = st.columns(3)
    a.metric("model version", deployment.version)
    b.metric("latency p50", f"{deployment.latency_p50_ms:.1f} ms")
    c.metric("latency p99", f"{deployment.latency_p99_ms:.1f} ms")
    st.markdown(f"Serving at `{deployment.url}` · [API docs]({deployment.url}/docs)")
    return deployment


def production(spec, settings, deployment):
    st.header("4. Production")
    st.caption("Traffic flows with the scenario's hidden fault. Labels arrive after the delay.")
    if st.button("Send production traffic", key="scenario_traffic_button"):
        store = PredictionStore(get_settings().prediction_store_url)
        store.clear(spec.model_name)
        store.dispose()
        bar = st.progress(0.0, text="traffic")
        report = send_traffic(
            spec, deployment.url, rows=settings["production_rows"], seed=settings["seed"],
            reference_rows=st.session_state["scenario_trained"].rows,
            progress=lambda done, total: bar.progress(done / total, text=f"{done:,}/{total:,}"))
        st.session_state["scenario_traffic"] = report
        with st.spinner("Monitoring the prediction log..."):
            st.session_state["scenario_monitor"] = monitor_model(spec.model_name).to_dict()
    monitoring = st.session_state.get("scenario_monitor")
    if monitoring is None:
        return None
    report = st.session_state["scenario_traffic"]
    stats = service_stats(deployment.url, spec.model_name)
    errors = sum(stats["errors_by_status"].values())
    a, b, c, d = st.columns(4)
    a.metric("requests", f"{report.requests:,}")
    b.metric("error rate", f"{errors / max(report.requests, 1):.1%}")
    c.metric("server p50", f"{stats['latency_ms']['p50']} ms")
    d.metric("server p99", f"{stats['latency_ms']['p99']} ms")
    from lab.monitor.plots import timeline_figure

    st.plotly_chart(timeline_figure(monitoring), key="scenario_timeline")
    windows = monitoring["windows"]
    index = st.selectbox("Window", [w["index"] for w in windows],
                         format_func=lambda i: f"{i}: {windows[i]['start'][:16]} "
                                               f"({windows[i]['alert']})",
                         key="scenario_window")
    window = windows[index]
    tab_drift, tab_quality, tab_perf, tab_suspects = st.tabs(
        ["Drift per feature", "Data quality", "Performance", "Suspects"])
    with tab_drift:
        st.plotly_chart(charts.feature_effects(window), key="scenario_effects")
        st.dataframe(feature_table(window, ("method", "statistic", "effect", "drifted",
                                            "seasonal")))
        st.caption("Seasonal (calendar) features are matched, not tested: each window is "
                   "compared with reference rows of the same weekday and hour mix.")
    with tab_quality:
        st.dataframe(feature_table(window, ("missing_share", "missing_delta", "unseen_share",
                                            "out_of_range_share", "constant")))
    with tab_perf:
        st.dataframe(pd.DataFrame({"estimated": window["estimated"],
                                   "realised": window["realised"] or {}}))
        st.caption(monitoring["notes"][0])
    with tab_suspects:
        st.dataframe(pd.DataFrame(monitoring["suspects"]))
    if st.button("Open the full Evidently report for this window", key="scenario_evidently"):
        with st.spinner("Evidently is computing the report..."):
            path = evidently_window_report(spec.model_name, index)
        st.download_button("Download the report", path.read_bytes(), file_name=path.name,
                           mime="text/html", key="scenario_evidently_download")
        st.components.v1.html(path.read_text(), height=700, scrolling=True)
    return monitoring


def feature_table(window: dict, columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: {c: f.get(c) for c in columns}
                         for name, f in window["features"].items()}).T


def diagnose(spec, settings):
    st.header("5. Diagnose")
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
        submitted = st.form_submit_button("Submit the diagnosis")
    if submitted:
        try:
            answers = Answers(features=features, kind=kind, root_cause=root_cause,
                              action=action, threshold=threshold,
                              claims=claim_rows(claims), justification=justification,
                              threshold_why=st.session_state.get("scenario_threshold_why", ""))
        except ValidationError as exc:
            for err in exc.errors():
                st.error(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
            return st.session_state.get("scenario_grade")
        with st.spinner("Grading against your run..."):
            result = grade_attempt(spec, answers, run_evidence(spec))
            store = AttemptStore()
            store.save(spec, result, answers)
            store.dispose()
        st.session_state["scenario_attempts"] = st.session_state.get("scenario_attempts", 0) + 1
        st.session_state["scenario_grade"] = result
    return st.session_state.get("scenario_grade")


def claim_rows(table: pd.DataFrame) -> list[Claim]:
    """The claims table's filled rows; blanks become None, numpy scalars plain numbers."""
    rows = table.dropna(how="all").to_dict("records")
    return [Claim(**{k: _plain(v) for k, v in row.items()}) for row in rows]


def _plain(value):
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def run_evidence(spec) -> RunEvidence:
    """The run the candidate saw: its prediction log, its monitoring, its champion."""
    reference = build_reference(spec.model_name)
    store = PredictionStore(get_settings().prediction_store_url)
    try:
        log = log_frame(store.frame(spec.model_name), reference.names)
    finally:
        store.dispose()
    trained = st.session_state["scenario_trained"]
    report = st.session_state["scenario_traffic"]
    return RunEvidence([t.to_dict() for t in report.truths], log,
                       st.session_state["scenario_monitor"], trained.validation,
                       spec.world_.rows_per_day)


def feedback(result) -> None:
    st.header("6. Feedback")
    st.metric("Score", format_score(result.total, 100))
    st.dataframe(pd.DataFrame([{"part": p.name, "points": format_score(p.points, p.maximum),
                                "why": p.why} for p in result.parts]), hide_index=True)
    for note in result.notes:
        st.caption(note)
    if result.claims:
        st.subheader("Your claims, checked against your run")
        st.dataframe(pd.DataFrame([{**c["claim"], "observed": c["observed"],
                                    "holds": c["holds"], "bears on the truth": c["bears"],
                                    "points": c["points"]} for c in result.claims]),
                     hide_index=True)
    st.subheader("What was injected")
    if not result.truth:
        st.write("Nothing: this was a control run. Any alarm would have been a false one.")
    for t in result.truth:
        st.write(f"**{t['kind']}** ({t['category']}) on {t['features'] or 'the labels'}, "
                 f"{t['shape']} from {t['onset_time']}: {t['root_cause']}")
    best, yours = result.best, result.yours
    if best and yours:
        where = ("clean data" if result.threshold_rule == "clean-data"
                 else "current labelled production")
        st.write(f"Best threshold on {where}: **{best['threshold']:.3f}** "
                 f"({best['cost_per_day']:,.0f} a day); yours: {yours['threshold']:.3f} "
                 f"({yours['cost_per_day']:,.0f} a day).")
    st.write(f"Rubric concepts found: {', '.join(result.concepts_found) or 'none'}; "
             f"missed: {', '.join(result.concepts_missed) or 'none'}.")
    st.subheader("Debrief")
    st.markdown(result.debrief)
    with st.expander("A model answer"):
        st.markdown(result.model_answer)

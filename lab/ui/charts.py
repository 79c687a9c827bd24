"""Interactive figures (Plotly) for the app."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

# One colour per series on every chart of every scenario.
COLOURS = {"precision": "#1f77b4", "recall": "#ff7f0e", "cost": "#6a3d9a",
           "alert_rate": "#2ca02c", "rows": "#90a4ae", "threshold": "#c62828",
           "capacity": "#455a64", "curve": "#1f77b4", "diagonal": "#9e9e9e"}
# Below the plot, so a legend never covers an axis or a curve.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0}


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=320,
                      margin={"t": 40, "b": 40, "l": 40, "r": 10}, showlegend=False)
    return fig


def _with_legend(fig: go.Figure, height: int = 380) -> go.Figure:
    fig.update_layout(showlegend=True, legend=LEGEND_BELOW, height=height,
                      margin={"t": 40, "b": 90, "l": 50, "r": 50})
    return fig


def pr_curve(y, scores, threshold: float) -> go.Figure:
    precision, recall, thresholds = precision_recall_curve(y, scores)
    fig = go.Figure(go.Scatter(x=recall, y=precision, mode="lines", name="PR",
                               line={"color": COLOURS["curve"]}))
    i = min(int(np.searchsorted(thresholds, threshold)), len(thresholds) - 1)
    fig.add_trace(go.Scatter(x=[recall[i]], y=[precision[i]], mode="markers",
                             marker={"size": 11, "color": COLOURS["threshold"]},
                             name="your threshold"))
    return _layout(fig, "Precision-recall", "recall", "precision")


def roc(y, scores) -> go.Figure:
    fpr, tpr, _ = roc_curve(y, scores)
    fig = go.Figure([go.Scatter(x=fpr, y=tpr, mode="lines"),
                     go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"})])
    return _layout(fig, "ROC", "false positive rate", "true positive rate")


def calibration(y, scores) -> go.Figure:
    observed, predicted = calibration_curve(y, scores, n_bins=10, strategy="quantile")
    fig = go.Figure([go.Scatter(x=predicted, y=observed, mode="lines+markers"),
                     go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"})])
    return _layout(fig, "Calibration", "mean predicted probability", "observed frequency")


def confusion(y, scores, threshold: float) -> go.Figure:
    m = confusion_matrix(y, (np.asarray(scores) >= threshold).astype(int), labels=[0, 1])
    fig = go.Figure(go.Heatmap(z=m, x=["predicted 0", "predicted 1"], y=["actual 0", "actual 1"],
                               text=m, texttemplate="%{text}", colorscale="Blues",
                               showscale=False))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Confusion matrix", "", "")


def operating_curve(curve: pd.DataFrame, threshold: float, capacity: float | None = None,
                    title: str = "Threshold trade-off (validation)") -> go.Figure:
    fig = go.Figure()
    for column in ("precision", "recall"):
        fig.add_trace(go.Scatter(x=curve["threshold"], y=curve[column], name=column,
                                 line={"color": COLOURS[column]}))
    fig.add_trace(go.Scatter(x=curve["threshold"], y=curve["cost_per_day"], name="cost per day",
                             yaxis="y2", line={"dash": "dot", "color": COLOURS["cost"]}))
    if capacity:
        # Thresholds below this one alert more rows than the reviewers can handle.
        over = curve.loc[curve["alerts_per_day"] > capacity, "threshold"]
        if not over.empty:
            fig.add_vrect(x0=0, x1=float(over.max()), fillcolor=COLOURS["capacity"],
                          opacity=0.08, line_width=0,
                          annotation_text="over capacity", annotation_position="top left")
    fig.add_vline(x=threshold, line_color=COLOURS["threshold"])
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": "cost per day"},
                      xaxis_range=[0, 1])
    fig = _layout(fig, title, "threshold", "precision / recall")
    return _with_legend(fig)


def feature_effects(window: dict) -> go.Figure:
    rows = [(name, f["effect"] or 0.0, f["drifted"]) for name, f in window["features"].items()
            if not f["seasonal"]]
    rows.sort(key=lambda r: r[1])
    fig = go.Figure(go.Bar(x=[r[1] for r in rows], y=[r[0] for r in rows], orientation="h",
                           marker_color=["#c62828" if r[2] else "#90a4ae" for r in rows]))
    fig.add_vline(x=0.1, line_dash="dot")
    return _layout(fig, "Drift effect size per feature (red: drifted)", "effect size", "")


def progress_over_time(attempts: pd.DataFrame) -> go.Figure:
    """Scores by attempt number (not clock time: one attempt would show milliseconds)."""
    fig = go.Figure()
    ordered = attempts.sort_values("at").reset_index(drop=True)
    ordered["n"] = ordered.index + 1
    for scenario, part in ordered.groupby("scenario"):
        fig.add_trace(go.Scatter(
            x=part["n"], y=part["total"], mode="lines+markers", name=scenario,
            customdata=part["at"].dt.strftime("%d %b %H:%M"),
            hovertemplate="attempt %{x} · %{customdata}<br>score %{y:.0f}<extra></extra>"))
    fig = _layout(fig, "Scores over your attempts", "attempt", "score")
    fig.update_xaxes(tickmode="linear", tick0=1, dtick=1, range=[0.5, len(ordered) + 0.5])
    fig.update_layout(yaxis_range=[0, 105])
    return _with_legend(fig)


def score_colour(score: float | None) -> str:
    """Red below 50, amber below 80, green from 80: the same bands as the feedback."""
    if score is None:
        return "#cfd8dc"
    return "#c62828" if score < 50 else "#f9a825" if score < 80 else "#2e7d32"


def mastery(per_topic: dict[str, float | None]) -> go.Figure:
    topics = list(per_topic)
    values = [per_topic[t] or 0 for t in topics]
    fig = go.Figure(go.Bar(x=values, y=topics, orientation="h",
                           marker_color=[score_colour(per_topic[t]) for t in topics],
                           text=[f"{v:.0f}" if per_topic[t] is not None else "not tried"
                                 for v, t in zip(values, topics)]))
    fig.update_xaxes(range=[0, 100])
    return _layout(fig, "Mastery per topic (best score per scenario, averaged)", "score", "")


def traffic_so_far(per_day: pd.DataFrame) -> go.Figure:
    """Rows answered and the alert rate per production day, while the traffic runs."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=per_day["day"], y=per_day["rows"], name="rows answered",
                         marker_color=COLOURS["rows"]))
    fig.add_trace(go.Scatter(x=per_day["day"], y=per_day["alert_rate"], name="alert rate",
                             yaxis="y2", mode="lines+markers",
                             line={"color": COLOURS["alert_rate"]}))
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": "alert rate",
                              "tickformat": ".0%", "rangemode": "tozero"})
    fig = _layout(fig, "Production so far, per day", "", "rows")
    return _with_legend(fig, height=300)


def champion_vs_challenger(per_window: pd.DataFrame, currency: str = "") -> go.Figure:
    """Cost a day per version through the week served with a rollout (solid: champion,
    dashed: challenger), its precision and recall in the hover."""
    fig = go.Figure()
    for role, dash in (("champion", "solid"), ("challenger", "dash")):
        part = per_window[per_window["role"] == role]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["day"], y=part["cost"], mode="lines+markers",
            name=f"{role} v{int(part['version'].iloc[0])}",
            line={"color": COLOURS["cost"], "dash": dash},
            customdata=part[["precision", "recall", "rows"]].to_numpy(),
            hovertemplate="%{x}: cost %{y:,.0f}<br>precision %{customdata[0]:.2f}, recall "
                          "%{customdata[1]:.2f}<br>%{customdata[2]} requests<extra></extra>"))
    _layout(fig, "Champion against challenger, per day", "day", f"cost a day {currency}")
    return _with_legend(fig, height=320)

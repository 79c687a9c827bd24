"""Interactive figures (Plotly) for the app."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=320,
                      margin={"t": 40, "b": 40, "l": 40, "r": 10}, showlegend=False)
    return fig


def pr_curve(y, scores, threshold: float) -> go.Figure:
    precision, recall, thresholds = precision_recall_curve(y, scores)
    fig = go.Figure(go.Scatter(x=recall, y=precision, mode="lines", name="PR"))
    i = min(int(np.searchsorted(thresholds, threshold)), len(thresholds) - 1)
    fig.add_trace(go.Scatter(x=[recall[i]], y=[precision[i]], mode="markers",
                             marker={"size": 11, "color": "crimson"}, name="your threshold"))
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


def operating_curve(curve: pd.DataFrame, threshold: float) -> go.Figure:
    fig = go.Figure()
    for column in ("precision", "recall"):
        fig.add_trace(go.Scatter(x=curve["threshold"], y=curve[column], name=column))
    fig.add_trace(go.Scatter(x=curve["threshold"], y=curve["cost_per_day"], name="cost per day",
                             yaxis="y2", line={"dash": "dot"}))
    fig.add_vline(x=threshold, line_color="crimson")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": "cost per day"},
                      showlegend=True, legend={"orientation": "h"})
    fig = _layout(fig, "Threshold trade-off (validation)", "threshold", "precision / recall")
    fig.update_layout(showlegend=True)
    return fig


def feature_effects(window: dict) -> go.Figure:
    rows = [(name, f["effect"] or 0.0, f["drifted"]) for name, f in window["features"].items()
            if not f["seasonal"]]
    rows.sort(key=lambda r: r[1])
    fig = go.Figure(go.Bar(x=[r[1] for r in rows], y=[r[0] for r in rows], orientation="h",
                           marker_color=["#c62828" if r[2] else "#90a4ae" for r in rows]))
    fig.add_vline(x=0.1, line_dash="dot")
    return _layout(fig, "Drift effect size per feature (red: drifted)", "effect size", "")


def progress_over_time(attempts: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for scenario, part in attempts.groupby("scenario"):
        fig.add_trace(go.Scatter(x=part["at"], y=part["total"], mode="lines+markers",
                                 name=scenario))
    fig = _layout(fig, "Scores over time", "attempt", "score")
    fig.update_layout(showlegend=True, yaxis_range=[0, 105])
    return fig


def mastery(per_topic: dict[str, float | None]) -> go.Figure:
    topics = list(per_topic)
    values = [per_topic[t] or 0 for t in topics]
    fig = go.Figure(go.Bar(x=values, y=topics, orientation="h",
                           text=[f"{v:.0f}" if per_topic[t] is not None else "not tried"
                                 for v, t in zip(values, topics)]))
    return _layout(fig, "Mastery per topic (best score per scenario, averaged)", "score", "")

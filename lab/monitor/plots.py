"""The monitoring timeline as a picture: PNG (matplotlib) or interactive HTML (Plotly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

COLOURS = {"ok": "#2e7d32", "warn": "#f9a825", "alarm": "#c62828"}


def timeline_table(result: dict[str, Any]) -> pd.DataFrame:
    """One row per window: what the timeline plots."""
    rows = []
    for w in result["windows"]:
        est, real = w["estimated"], w["realised"] or {}
        rows.append({"start": pd.Timestamp(w["start"]), "alert": w["alert"],
                     "drift_share": w["drift_share"],
                     "prediction_drift": w["prediction_drift"]["effect"],
                     "estimated_precision": est["precision"], "estimated_recall": est["recall"],
                     "realised_precision": real.get("precision"),
                     "realised_recall": real.get("recall"), "rows": w["rows"],
                     "labelled": w["labelled"]})
    return pd.DataFrame(rows)


def _onsets(result: dict[str, Any]) -> list[pd.Timestamp]:
    return [pd.Timestamp(t["onset_time"]) for t in result.get("truth") or [] if t["onset_time"]]


def timeline_png(result: dict[str, Any], path: str | Path) -> Path:
    from matplotlib.figure import Figure

    t = timeline_table(result)
    fig = Figure(figsize=(10, 7), dpi=100)
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [2, 2, 0.6]})
    ax1.plot(t["start"], t["drift_share"], marker="o", label="drift share (features)")
    ax1.plot(t["start"], t["prediction_drift"], marker="s", label="prediction drift (effect)")
    ax1.set_ylabel("drift")
    ax1.legend(loc="upper left", fontsize=8)
    for metric, colour in (("precision", "tab:blue"), ("recall", "tab:orange")):
        ax2.plot(t["start"], t[f"estimated_{metric}"], ls="--", color=colour,
                 label=f"estimated {metric}")
        ax2.plot(t["start"], t[f"realised_{metric}"].astype(float), marker="o", color=colour,
                 label=f"realised {metric}")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("performance")
    ax2.legend(loc="lower left", fontsize=8, ncol=2)
    width = (t["start"].diff().median() if len(t) > 1 else pd.Timedelta(days=1)) * 0.9
    ax3.bar(t["start"], 1, width=width, align="edge",
            color=[COLOURS[a] for a in t["alert"]])
    ax3.set_yticks([])
    ax3.set_ylabel("alert")
    for onset in _onsets(result):
        for ax in (ax1, ax2, ax3):
            ax.axvline(onset, color="black", ls=":", lw=1.2)
    ax1.set_title(f"{result['model']['name']} v{result['model']['version']}: monitoring "
                  f"timeline ({result['window']} windows)")
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    return path


def timeline_figure(result: dict[str, Any]):
    """The same timeline as an interactive Plotly figure (for HTML and the app)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    t = timeline_table(result)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.4, 0.4, 0.2],
                        vertical_spacing=0.05,
                        subplot_titles=("Drift", "Estimated vs realised performance", "Alert"))
    fig.add_trace(go.Scatter(x=t["start"], y=t["drift_share"], name="drift share"), 1, 1)
    fig.add_trace(go.Scatter(x=t["start"], y=t["prediction_drift"], name="prediction drift"),
                  1, 1)
    for metric, colour in (("precision", "#1f77b4"), ("recall", "#ff7f0e")):
        fig.add_trace(go.Scatter(x=t["start"], y=t[f"estimated_{metric}"],
                                 name=f"estimated {metric}",
                                 line={"dash": "dash", "color": colour}), 2, 1)
        fig.add_trace(go.Scatter(x=t["start"], y=t[f"realised_{metric}"],
                                 name=f"realised {metric}", mode="lines+markers",
                                 line={"color": colour}), 2, 1)
    fig.add_trace(go.Bar(x=t["start"], y=[1] * len(t), marker_color=[COLOURS[a] for a in
                                                                       t["alert"]],
                         name="alert", text=t["alert"], hovertemplate="%{x}: %{text}"), 3, 1)
    for onset in _onsets(result):
        fig.add_vline(x=onset, line_dash="dot")
    fig.update_yaxes(range=[0, 1.05], row=2, col=1)
    fig.update_yaxes(visible=False, row=3, col=1)
    fig.update_layout(height=620, margin={"t": 40, "b": 20}, legend={"orientation": "h"})
    return fig


def timeline_html(result: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    timeline_figure(result).write_html(str(path), include_plotlyjs=True, full_html=True)
    return path

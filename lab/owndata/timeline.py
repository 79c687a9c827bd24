"""The own-data timeline: the scenario timeline's panels, tolerant of what the files lack
(windows by row rather than time, no prediction, no labels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from lab.monitor.plots import COLOURS


def timeline_table(result: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for w in result["windows"]:
        est, real = w["estimated"] or {}, w["realised"] or {}
        start = w["start"]
        rows.append({"start": start if start.startswith("row ") else pd.Timestamp(start),
                     "alert": w["alert"], "drift_share": w["drift_share"],
                     "prediction_drift": (w["prediction_drift"] or {}).get("effect"),
                     "estimated_precision": est.get("precision"),
                     "estimated_recall": est.get("recall"),
                     "realised_precision": real.get("precision"),
                     "realised_recall": real.get("recall"), "rows": w["rows"]})
    return pd.DataFrame(rows)


def timeline_figure(result: dict[str, Any]):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    t = timeline_table(result)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.4, 0.4, 0.2],
                        vertical_spacing=0.05,
                        subplot_titles=("Drift", "Estimated vs realised performance", "Alert"))
    fig.add_trace(go.Scatter(x=t["start"], y=t["drift_share"], name="drift share"), 1, 1)
    if t["prediction_drift"].notna().any():
        fig.add_trace(go.Scatter(x=t["start"], y=t["prediction_drift"],
                                 name="prediction drift"), 1, 1)
    for metric, colour in (("precision", "#1f77b4"), ("recall", "#ff7f0e")):
        for source, dash in (("estimated", "dash"), ("realised", None)):
            column = f"{source}_{metric}"
            if t[column].notna().any():
                fig.add_trace(go.Scatter(x=t["start"], y=t[column], name=f"{source} {metric}",
                                         line={"dash": dash, "color": colour}), 2, 1)
    fig.add_trace(go.Bar(x=t["start"], y=[1] * len(t), name="alert", text=t["alert"],
                         marker_color=[COLOURS[a] for a in t["alert"]],
                         hovertemplate="%{x}: %{text}"), 3, 1)
    fig.update_yaxes(range=[0, 1.05], row=2, col=1)
    fig.update_yaxes(visible=False, row=3, col=1)
    fig.update_layout(height=620, margin={"t": 40, "b": 20}, legend={"orientation": "h"})
    return fig


def timeline_html(result: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    timeline_figure(result).write_html(str(path), include_plotlyjs=True, full_html=True)
    return path

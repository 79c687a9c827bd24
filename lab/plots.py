"""Static figures (matplotlib, no pyplot state) for MLflow artifacts and PNG reports."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve


def pr_curve(y_true, scores, threshold: float | None = None) -> Figure:
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.subplots()
    ax.plot(recall, precision, lw=1.5)
    if threshold is not None and len(thresholds):
        i = min(np.searchsorted(thresholds, threshold), len(thresholds) - 1)
        ax.scatter([recall[i]], [precision[i]], color="crimson", zorder=3,
                   label=f"threshold {threshold:.3f}")
        ax.legend(loc="lower left")
    ax.axhline(np.mean(y_true), color="grey", ls=":", lw=1)
    ax.set(xlabel="Recall", ylabel="Precision", title="Precision-recall (test)",
           xlim=(0, 1), ylim=(0, 1.02))
    fig.tight_layout()
    return fig


def roc(y_true, scores) -> Figure:
    fpr, tpr, _ = roc_curve(y_true, scores)
    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.subplots()
    ax.plot(fpr, tpr, lw=1.5)
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1)
    ax.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC (test)")
    fig.tight_layout()
    return fig


def calibration(y_true, scores, bins: int = 10) -> Figure:
    observed, predicted = calibration_curve(y_true, scores, n_bins=bins, strategy="quantile")
    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="perfectly calibrated")
    ax.plot(predicted, observed, marker="o", lw=1.5, label="model")
    ax.set(xlabel="Mean predicted probability", ylabel="Observed frequency",
           title="Calibration (test)", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig

"""One small panel per fault: the input it concerns before and after (or, when no input
changes, the model's scores and the base rate), as matplotlib figures without pyplot state."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lab.drift.delivery import refused
from lab.taxonomy.effects import FaultEffect

BEFORE, AFTER = "tab:blue", "tab:orange"
MISSING = "(missing)"


def gallery(effects: list[FaultEffect], columns: int = 4, size: tuple[float, float] = (3.6, 2.7)
            ) -> Figure:
    """A grid with one :func:`draw_effect` panel per fault."""
    rows = max(1, math.ceil(len(effects) / columns))
    fig = Figure(figsize=(size[0] * columns, size[1] * rows), dpi=90)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, effect in zip(axes, effects):
        draw_effect(ax, effect)
    for ax in axes[len(effects):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def draw_effect(ax, effect: FaultEffect) -> None:
    """The fault's input before and after its onset, or the scores when no input moved."""
    feature = effect.feature
    before, after, labels = effect.before, effect.after, ("before", "after")
    if effect.training is not None:
        # A training-time fault: what the model learnt from against what it is sent, for
        # the rows where the leak shows (the positives).
        before = effect.training[effect.training[effect.target] == 1]
        after = effect.after[effect.after[effect.target] == 1]
        labels = ("training, positives", "production, positives")
    if feature is None:
        _scores(ax, effect)
    elif not pd.api.types.is_numeric_dtype(before[feature]):
        _categories(ax, before[feature], after[feature], labels)
        ax.set_xlabel(feature, fontsize=8)
    else:
        _numbers(ax, before[feature], after[feature], labels)
        ax.set_xlabel(feature, fontsize=8)
    ax.set_title(f"{effect.kind}\n{note(effect)}", fontsize=8)
    ax.tick_params(labelsize=7)


def note(effect: FaultEffect) -> str:
    """What a panel cannot show: refused records, missing labels, the base rate."""
    after = effect.after
    share_refused = float(refused(after).mean())
    if share_refused:
        return f"server refuses {share_refused:.0%} of records"
    labelled = effect.monitor_sees["labelled_share"]
    if labelled < 1:
        return f"labels come back for {labelled:.0%} of rows"
    if effect.feature is None:
        return (f"base rate {effect.model_before['base_rate']:.2f} -> "
                f"{effect.model_after['base_rate']:.2f}")
    if effect.training is not None:
        return f"in training only; hurts the model: {'yes' if effect.hurts else 'no'}"
    feature = effect.feature
    missing = effect.before[feature].isna().mean(), after[feature].isna().mean()
    if abs(missing[1] - missing[0]) > 0.01:
        return f"missing {missing[0]:.0%} -> {missing[1]:.0%}"
    if effect.before[feature].equals(after[feature]):
        return f"inputs unchanged; hurts the model: {'yes' if effect.hurts else 'no'}"
    return f"{effect.category}; hurts the model: {'yes' if effect.hurts else 'no'}"


def _numbers(ax, before: pd.Series, after: pd.Series, labels=("before", "after")) -> None:
    b = pd.to_numeric(before, errors="coerce").dropna().to_numpy(float)
    a = pd.to_numeric(after, errors="coerce").dropna().to_numpy(float)
    both = np.concatenate([b, a]) if len(a) else b
    low, high = np.quantile(both, [0.005, 0.995]) if len(both) else (0.0, 1.0)
    # A unit change multiplies values by 60: equal-width bins would show one bar.
    wide = len(b) and len(a) and low >= 0 and high > 20 * max(np.quantile(b, 0.995), 1e-9)
    if wide:
        bins = np.geomspace(max(low, 0.1), high, 40)
        ax.set_xscale("log")
    else:
        bins = np.linspace(low, high if high > low else low + 1, 40)
    # Shares of the rows that have a value (not densities: log bins have unequal widths).
    ax.hist(np.clip(b, bins[0], bins[-1]), bins, weights=np.full(len(b), 1 / max(len(b), 1)),
            alpha=0.55, color=BEFORE, label=labels[0])
    if len(a):
        ax.hist(np.clip(a, bins[0], bins[-1]), bins, weights=np.full(len(a), 1 / len(a)),
                alpha=0.55, color=AFTER, label=labels[1])
    ax.set_yticks([])


def _categories(ax, before: pd.Series, after: pd.Series, labels=("before", "after")) -> None:
    b = before.astype(object).fillna(MISSING).value_counts(normalize=True)
    a = after.astype(object).fillna(MISSING).value_counts(normalize=True)
    names = list(b.index) + [c for c in a.index if c not in b.index]
    x = np.arange(len(names))
    ax.bar(x - 0.2, [b.get(c, 0.0) for c in names], 0.4, color=BEFORE, label=labels[0])
    ax.bar(x + 0.2, [a.get(c, 0.0) for c in names], 0.4, color=AFTER, label=labels[1])
    ax.set_xticks(x, [str(c) for c in names], rotation=60, ha="right")
    ax.set_ylabel("share", fontsize=7)


def _scores(ax, effect: FaultEffect) -> None:
    bins = np.linspace(0, 1, 31)
    ax.hist(effect.scores_before, bins, density=True, alpha=0.55, color=BEFORE, label="before")
    ax.hist(effect.scores_after, bins, density=True, alpha=0.55, color=AFTER, label="after")
    ax.set_xlabel("model score (no input changed)", fontsize=8)
    ax.set_yticks([])

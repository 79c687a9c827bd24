"""Feature importance for ranking suspects, from a quick model fitted on the reference.

Without the user's model, the lab fits its own, small and seeded: a histogram gradient
boosting on a sample of the reference, and permutation importance on rows it did not
see. It predicts the user's *prediction* column when there is one (a surrogate: which
features drive their model's scores), else the *target* (which features carry the
signal). With neither, every feature weighs the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

FIT_ROWS = 10_000
SCORE_ROWS = 2_000
MAX_CATEGORIES = 250  # what the boosting's categorical support holds (255 bins)


def encode(frame: pd.DataFrame, features: list[dict[str, Any]]) -> tuple[pd.DataFrame,
                                                                         list[bool]]:
    """Numbers as floats, categories as integer codes (NaN when missing)."""
    columns, is_cat = {}, []
    for spec in features:
        values = frame[spec["name"]]
        if spec["kind"] == "categorical":
            codes = pd.Series(pd.factorize(values.astype(str).where(values.notna()))[0],
                              index=frame.index).astype(float)
            codes[codes < 0] = np.nan
            columns[spec["name"]] = codes
            is_cat.append(bool(codes.max() < MAX_CATEGORIES) if codes.notna().any() else False)
        else:
            columns[spec["name"]] = pd.to_numeric(values, errors="coerce").astype(float)
            is_cat.append(False)
    return pd.DataFrame(columns, index=frame.index), is_cat


def quick_importance(reference: pd.DataFrame, features: list[dict[str, Any]],
                     y: np.ndarray | None, regression: bool, seed: int
                     ) -> tuple[dict[str, float], str]:
    """Permutation importance per feature (clipped at 0) and a note saying how it was got."""
    names = [f["name"] for f in features]
    if y is None:
        return {n: 1.0 for n in names}, ("Importance: neither a target nor a prediction "
                                         "column was given, so every feature weighs the same "
                                         "in the suspects' ranking.")
    keep = ~np.isnan(y)
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(keep)
    rows = rng.permutation(rows)[:FIT_ROWS + SCORE_ROWS]
    split = max(int(len(rows) * 0.7), len(rows) - SCORE_ROWS)
    fit, held = np.sort(rows[:split]), np.sort(rows[split:])
    X, is_cat = encode(reference.iloc[np.sort(rows)], features)
    X.index = np.sort(rows)
    kind = "regressor" if regression else "classifier"
    if regression:
        model = HistGradientBoostingRegressor(max_iter=40, categorical_features=is_cat,
                                              random_state=seed)
        scoring = "r2"
    else:
        model = HistGradientBoostingClassifier(max_iter=40, categorical_features=is_cat,
                                               random_state=seed)
        scoring = "roc_auc" if len(np.unique(y[held])) == 2 else "accuracy"
    # One OpenMP thread: on a shared host, threads that spin against each other are
    # slower than one (as the lab's own reference does).
    with threadpool_limits(limits=1):
        model.fit(X.loc[fit], y[fit])
        result = permutation_importance(model, X.loc[held], y[held], scoring=scoring,
                                        n_repeats=2, random_state=seed)
    importance = {n: max(0.0, float(v)) for n, v in zip(names, result.importances_mean)}
    what = "prediction column (a surrogate of your model)" if regression else "target"
    return importance, (f"Importance: a quick {kind} (histogram gradient boosting, seed "
                        f"{seed}) was fitted on {len(fit):,} reference rows to predict the "
                        f"{what}; suspects are weighed by its permutation importance "
                        f"({scoring}) on {len(held):,} other rows.")

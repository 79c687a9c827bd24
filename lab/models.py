"""The registry of model kinds: a scikit-learn Pipeline built from a world's schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from lab.registry import lookup
from lab.worlds.base import Schema


def _onehot_preprocessor(schema: Schema) -> ColumnTransformer:
    numeric = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler())])
    categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    return ColumnTransformer([("num", numeric, schema.numeric),
                              ("cat", categorical, schema.categorical)],
                             verbose_feature_names_out=False)


def _ordinal_preprocessor(schema: Schema) -> ColumnTransformer:
    # Trees take NaN as it is; unseen categories go to their own code (-1 -> missing).
    categorical = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                 encoded_missing_value=np.nan)
    return ColumnTransformer([("num", "passthrough", schema.numeric),
                              ("cat", categorical, schema.categorical)],
                             verbose_feature_names_out=False)


def _logistic_regression(schema: Schema, params: dict[str, Any]) -> Pipeline:
    est = LogisticRegression(**{"max_iter": 1000, "C": 1.0, **params})
    return Pipeline([("features", _onehot_preprocessor(schema)), ("model", est)])


def _hist_gradient_boosting(schema: Schema, params: dict[str, Any]) -> Pipeline:
    n_num = len(schema.numeric)
    cat_mask = [False] * n_num + [True] * len(schema.categorical)
    defaults = {"max_iter": 200, "learning_rate": 0.08, "early_stopping": False,
                "categorical_features": cat_mask}
    est = HistGradientBoostingClassifier(**{**defaults, **params})
    return Pipeline([("features", _ordinal_preprocessor(schema)), ("model", est)])


def _random_forest(schema: Schema, params: dict[str, Any]) -> Pipeline:
    defaults = {"n_estimators": 150, "min_samples_leaf": 20, "n_jobs": 1}
    est = RandomForestClassifier(**{**defaults, **params})
    pre = ColumnTransformer([("num", SimpleImputer(strategy="median", add_indicator=True),
                              schema.numeric),
                             ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                              schema.categorical)], verbose_feature_names_out=False)
    return Pipeline([("features", pre), ("model", est)])


MODELS: dict[str, Callable[[Schema, dict[str, Any]], Pipeline]] = {
    "logistic_regression": _logistic_regression,
    "hist_gradient_boosting": _hist_gradient_boosting,
    "random_forest": _random_forest,
}


def build_pipeline(kind: str, params: dict[str, Any], schema: Schema, seed: int) -> Pipeline:
    """An unfitted Pipeline for ``kind``; unknown kinds or parameters raise ``ValueError``."""
    pipe = lookup(MODELS, "model", kind)(schema, {})
    allowed = set(pipe.named_steps["model"].get_params())
    unknown = set(params) - allowed
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for model {kind!r}; "
                         f"allowed: {sorted(allowed)}")
    pipe = MODELS[kind](schema, params)
    if "random_state" in allowed and "random_state" not in params:
        pipe.set_params(model__random_state=seed)
    return pipe
